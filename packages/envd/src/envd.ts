import type { AddressInfo } from "node:net";
import type { EnvdConfig } from "./config.js";
import type { EnvdContext } from "./context.js";
import type { Logger } from "./log.js";
import { ProcessManager } from "./process/manager.js";
import { WatcherRegistry } from "./filesystem/watchers.js";
import { GuestMetrics } from "./http/metrics.js";
import { createEnvdServer } from "./server.js";
import { EnvdState } from "./state.js";
import { UserDirectory } from "./users.js";

export interface Envd {
  ctx: EnvdContext;
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Wires envd's parts together; main.ts only parses flags and calls this. */
export function createEnvd(config: EnvdConfig, log: Logger): Envd {
  const state = new EnvdState();
  const users = new UserDirectory();
  const ctx: EnvdContext = {
    config,
    state,
    users,
    log,
    processes: new ProcessManager({ state, users, log }),
    watchers: new WatcherRegistry(),
    metrics: new GuestMetrics(),
  };
  const server = createEnvdServer(ctx);

  return {
    ctx,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          server.off("error", reject);
          ctx.metrics.start();
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: async () => {
      ctx.metrics.stop();
      await Promise.allSettled([ctx.processes.close(), ctx.watchers.close()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
