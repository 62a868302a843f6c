import type { AddressInfo } from "node:net";
import type { EnvdConfig } from "./config.js";
import type { EnvdContext } from "./context.js";
import type { Logger } from "./log.js";
import { ProcessManager } from "./process/manager.js";
import { WatcherRegistry } from "./filesystem/watchers.js";
import { GuestMetrics } from "./http/metrics.js";
import { PortForwarder } from "./port-forward/forwarder.js";
import { dropPageCache, Reclaimer } from "./reclaimer.js";
import { createEnvdServer } from "./server.js";
import { EnvdState } from "./state.js";
import { UserDirectory } from "./users.js";
import { OomGuard } from "./oom-guard.js";

export interface Envd {
  ctx: EnvdContext;
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Wires envd's parts together; main.ts only parses flags and calls this. */
export function createEnvd(config: EnvdConfig, log: Logger): Envd {
  const state = new EnvdState();
  const users = new UserDirectory();
  const metrics = new GuestMetrics({ memoryLimit: () => state.memoryLimitBytes });
  const processes = new ProcessManager({ state, users, log });
  // Only inside a capsule: in --dev the host's own processes are not envd's to kill.
  const oomGuard = new OomGuard({ state, log, active: () => processes.size > 0 });
  const ctx: EnvdContext = {
    config,
    state,
    users,
    log,
    processes,
    watchers: new WatcherRegistry(),
    metrics,
    dropPageCache,
    reclaimer: new Reclaimer({
      state,
      log,
      intervalMs: config.reclaimIntervalMs,
      thresholdPct: config.reclaimThresholdPct,
      drop: dropPageCache,
      onDrop: () => metrics.recordPageCacheDrop(),
    }),
    forwarder: new PortForwarder({ log, intervalMs: config.forwardScanIntervalMs }),
  };
  const server = createEnvdServer(ctx);

  return {
    ctx,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          server.off("error", reject);
          const port = (server.address() as AddressInfo).port;
          void ctx.metrics.start();
          if (!config.dev) oomGuard.start();
          if (config.reclaim) ctx.reclaimer.start();
          if (config.forwardPorts) ctx.forwarder.start(port);
          resolve(port);
        });
      }),
    close: async () => {
      oomGuard.stop();
      ctx.reclaimer.stop();
      await Promise.allSettled([ctx.forwarder.stop(), ctx.processes.close(), ctx.watchers.close()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
