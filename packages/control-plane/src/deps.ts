import type { Kysely } from "kysely";
import type { Database } from "@wrenn/db";
import type { Registry } from "prom-client";
import type { AgentHandle } from "./agent/client.js";
import type { ControlPlaneConfig } from "./config.js";
import type { Mailer } from "./services/mailer.js";

/** What every route and background worker is given. No module-level singletons. */
export interface Deps {
  db: Kysely<Database>;
  config: ControlPlaneConfig;
  /** The host agent capsules run on (one, until the fleet issue). */
  agent: AgentHandle;
  mailer: Mailer;
  metrics: Registry;
}
