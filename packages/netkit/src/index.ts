export * from "./dual-protocol-server.js";
export * from "./connect-codes.js";
