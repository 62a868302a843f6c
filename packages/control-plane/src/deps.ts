import type { Kysely } from "kysely";
import type { Database } from "@wrenn/db";
import type { Registry } from "prom-client";
import type { ApiKeyCache } from "./auth/api-key-cache.js";
import type { ControlPlaneConfig } from "./config.js";
import type { Fleet } from "./services/fleet/fleet.js";
import type { ControlPlanePki } from "./services/fleet/pki-runtime.js";
import type { Mailer } from "./services/mailer.js";

/** What every route and background worker is given. No module-level singletons. */
export interface Deps {
  db: Kysely<Database>;
  config: ControlPlaneConfig;
  /** The host agents: RPC handles by host, and placement of new capsules. */
  fleet: Fleet;
  /** The control plane's CA and client certificate (mTLS to registered agents). */
  pki: ControlPlanePki;
  /** This process among the replicas sharing the database (leases, build runners). */
  replicaId: string;
  mailer: Mailer;
  metrics: Registry;
  /** Recently used API keys; call `forget()` after revoking keys or deleting teams. */
  apiKeys: ApiKeyCache;
}
