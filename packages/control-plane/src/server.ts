import { openDatabase, type WrennDatabase } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { buildApp, type BuildAppOptions } from "./app.js";
import type { ControlPlaneConfig } from "./config.js";
import type { Deps } from "./deps.js";
import { createMailer } from "./services/mailer.js";
import { startReconciler, type Reconciler } from "./services/reconciler.js";
import { buildServiceOf } from "./services/builds/service.js";
import { startTeamSampler } from "./services/capsule-usage.js";
import { startChannelDelivery } from "./services/channels/index.js";
import { Fleet } from "./services/fleet/fleet.js";
import { ensureLocalHost } from "./services/fleet/hosts.js";
import { probeStaticHost, startHostMonitor } from "./services/fleet/monitor.js";
import { ControlPlanePki } from "./services/fleet/pki-runtime.js";

export interface RunningControlPlane {
  app: FastifyInstance;
  deps: Deps;
  database: WrennDatabase;
  reconciler: Reconciler;
  /** The host of the static agent (WRENN_AGENT_URL), if configured. */
  staticHostId: string | undefined;
  /** Where it listens, e.g. http://127.0.0.1:9725 (after `listen`). */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the database, connects the host agent, builds the app and listens. With
 * `database` given, uses (and does not close) that database instead.
 */
export async function startControlPlane(
  config: ControlPlaneConfig,
  options: BuildAppOptions & { database?: WrennDatabase; listen?: boolean } = {},
): Promise<RunningControlPlane> {
  const database = options.database ?? (await openDatabase({ ...(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir }) }));
  const ownsDatabase = options.database === undefined;
  try {
    const staticHostId = config.agentUrl ? await ensureLocalHost(database.db, config.agentUrl) : undefined;
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: "wrenn_cp_" });
    const log = options.loggerInstance ?? pino({ level: config.logLevel });
    const pki = new ControlPlanePki(config.dataDir, config.hostCertValidSec * 1000);
    const deps: Deps = {
      db: database.db,
      config,
      fleet: new Fleet(database.db, {
        tls: () => pki.clientTls(),
        policy: config.placement,
        // A static agent's specs are learnt by probing it; do that before placing on it.
        onUnknownSpecs: (host) => probeStaticHost(deps, host, log),
      }),
      pki,
      replicaId: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
      mailer: createMailer(database.db, config.smtp, log),
      metrics,
    };
    const app = await buildApp(deps, { ...options, loggerInstance: log });
    let url = "";
    if (options.listen !== false) {
      url = await app.listen({ host: config.host, port: config.port });
    }
    const reconciler = config.reconcileIntervalSec > 0 ? startReconciler(deps) : { runOnce: async () => {}, stop: async () => {} };
    const hostMonitor = startHostMonitor(deps, log);
    const teamSampler = config.teamSampleIntervalSec > 0 ? startTeamSampler(deps, { log, intervalMs: config.teamSampleIntervalSec * 1000 }) : undefined;
    // The build queue is how builds run at all: always on; so is delivery of notifications.
    buildServiceOf(deps).start(log);
    const channelDelivery = startChannelDelivery(deps, { log });
    return {
      app,
      deps,
      database,
      reconciler,
      staticHostId,
      url,
      async close() {
        await teamSampler?.stop();
        await hostMonitor.stop();
        await reconciler.stop();
        await buildServiceOf(deps).stop();
        await channelDelivery.stop();
        await app.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }
}
