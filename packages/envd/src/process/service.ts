import type { ConnectRouter } from "@connectrpc/connect";
import { Process } from "@wrenn/proto/envd/process";
import type { EnvdContext } from "../context.js";

/** process.Process over Connect: thin handlers over ctx.processes. (stub) */
export function registerProcessService(router: ConnectRouter, _ctx: EnvdContext): void {
  router.service(Process, {});
}
