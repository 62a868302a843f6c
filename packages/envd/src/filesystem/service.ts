import type { ConnectRouter } from "@connectrpc/connect";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import type { EnvdContext } from "../context.js";

/** filesystem.Filesystem over Connect. (stub) */
export function registerFilesystemService(router: ConnectRouter, _ctx: EnvdContext): void {
  router.service(Filesystem, {});
}
