import type { Transport } from "@connectrpc/connect";
import { openDatabase, type WrennDatabase } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { buildApp, type BuildAppOptions } from "./app.js";
import { ApiKeyCache, CREDENTIALS_CHANNEL } from "./auth/api-key-cache.js";
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
  options: BuildAppOptions & {
    database?: WrennDatabase;
    listen?: boolean;
    /** The static agent (`agentUrl`) runs in this process: its in-memory transport (`wrenn up`). */
    localAgent?: Transport;
  } = {},
): Promise<RunningControlPlane> {
  const database = options.database ?? (await openDatabase({ ...(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir }) }));
  const ownsDatabase = options.database === undefined;
  let unlisten: (() => Promise<void>) | undefined;
  try {
    const staticHostId = config.agentUrl ? await ensureLocalHost(database.db, config.agentUrl) : undefined;
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: "wrenn_cp_" });
    const log = options.loggerInstance ?? pino({ level: config.logLevel });
    const pki = new ControlPlanePki(config.dataDir, config.hostCertValidSec * 1000);
    const apiKeys = new ApiKeyCache();
    // Any replica's revocation (or team deletion) empties this replica's cache at commit.
    // Until the subscription is live (and whenever it is lost) every key is read from the database.
    unlisten = await database.listen(CREDENTIALS_CHANNEL, {
      notify: () => apiKeys.forget(),
      live: () => apiKeys.resume(),
      lost: () => {
        apiKeys.suspend();
        log.warn("lost the database notifications of revoked API keys; reading every key from the database until they are back");
      },
    });
    const deps: Deps = {
      db: database.db,
      config,
      fleet: new Fleet(database.db, {
        tls: () => pki.clientTls(),
        policy: config.placement,
        // A static agent's specs are learnt by probing it; do that before placing on it.
        onUnknownSpecs: (host) => probeStaticHost(deps, host, log),
        ...(options.localAgent && config.agentUrl ? { local: { url: config.agentUrl, transport: options.localAgent } } : {}),
      }),
      pki,
      replicaId: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
      mailer: createMailer(database.db, config.smtp, log),
      metrics,
      apiKeys,
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
        await unlisten?.();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (err) {
    await unlisten?.().catch(() => {}); // the start's own error is the one to report
    if (ownsDatabase) await database.close();
    throw err;
  }
}
