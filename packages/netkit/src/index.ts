export * from "./dual-protocol-server.js";
