export * from "./errors.js";
export * from "./ids.js";
export * from "./version.js";
export * from "./heartbeat.js";
