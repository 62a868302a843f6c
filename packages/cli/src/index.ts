export { up, type UpOptions } from "./commands/up.js";
export * from "./credentials.js";
export * from "./prereqs.js";
