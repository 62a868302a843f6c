export * from "./envd.js";
export * from "./agent.js";
export * from "./host-resources.js";
