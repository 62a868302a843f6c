export * from "./envd.js";
