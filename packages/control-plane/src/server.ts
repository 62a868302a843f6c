import { openDatabase, type WrennDatabase } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";
import { connectAgent } from "./agent/client.js";
import { buildApp, type BuildAppOptions } from "./app.js";
import type { ControlPlaneConfig } from "./config.js";
import type { Deps } from "./deps.js";
import { ensureLocalHost } from "./services/hosts.js";
import { createMailer } from "./services/mailer.js";
import { startReconciler, type Reconciler } from "./services/reconciler.js";
import { buildServiceOf } from "./services/builds/service.js";
import { startTeamSampler } from "./services/capsule-usage.js";

export interface RunningControlPlane {
  app: FastifyInstance;
  deps: Deps;
  database: WrennDatabase;
  reconciler: Reconciler;
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
    const hostId = await ensureLocalHost(database.db, config.agentUrl);
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: "wrenn_cp_" });
    const log = options.loggerInstance ?? pino({ level: config.logLevel });
    const deps: Deps = {
      db: database.db,
      config,
      agent: connectAgent(hostId, config.agentUrl),
      mailer: createMailer(database.db, config.smtp, log),
      metrics,
    };
    const app = await buildApp(deps, { ...options, loggerInstance: log });
    let url = "";
    if (options.listen !== false) {
      url = await app.listen({ host: config.host, port: config.port });
    }
    const reconciler = config.reconcileIntervalSec > 0 ? startReconciler(deps) : { runOnce: async () => {}, stop: async () => {} };
    const teamSampler = config.teamSampleIntervalSec > 0 ? startTeamSampler(deps, { log, intervalMs: config.teamSampleIntervalSec * 1000 }) : undefined;
    // The build queue is how builds run at all: always on.
    buildServiceOf(deps).start(log);
    return {
      app,
      deps,
      database,
      reconciler,
      url,
      async close() {
        await teamSampler?.stop();
        await reconciler.stop();
        await buildServiceOf(deps).stop();
        await app.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }
}
