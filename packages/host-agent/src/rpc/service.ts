import type { ConnectRouter } from "@connectrpc/connect";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { execHandlers } from "./exec.js";
import { execStreamHandlers } from "./exec-stream.js";
import { fileHandlers } from "./files.js";
import { filesystemHandlers } from "./filesystem.js";
import type { RpcDeps } from "./handlers.js";
import { hostHandlers } from "./host.js";
import { lifecycleHandlers } from "./lifecycle.js";
import { processHandlers } from "./processes.js";
import { ptyHandlers } from "./pty.js";
import { templateHandlers } from "./templates.js";
import { warmPoolHandlers } from "./warm-pools.js";

/** hostagent.v1.HostAgentService: every method, each group from its own file. */
export function registerHostAgentService(router: ConnectRouter, deps: RpcDeps): void {
  router.service(HostAgentService, {
    ...lifecycleHandlers(deps),
    ...execHandlers(deps),
    ...execStreamHandlers(deps),
    ...processHandlers(deps),
    ...fileHandlers(deps),
    ...filesystemHandlers(deps),
    ...ptyHandlers(deps),
    ...templateHandlers(deps),
    ...warmPoolHandlers(deps),
    ...hostHandlers(deps),
  });
}
