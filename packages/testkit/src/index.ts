export * from "./envd.js";
export * from "./agent.js";
export * from "./host-resources.js";
export * from "./postgres.js";
export * from "./db-backends.js";
export * from "./own-network.js";
export * from "./run-command.js";
export * from "./test-hosts.js";
