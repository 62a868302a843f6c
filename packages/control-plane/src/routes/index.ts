import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import { healthRoutes } from "./health.js";
import { authRoutes } from "./auth.js";
import { meRoutes } from "./me.js";
import { teamRoutes } from "./teams.js";
import { apiKeyRoutes } from "./api-keys.js";
import { userRoutes } from "./users.js";
import { auditLogRoutes } from "./audit-logs.js";
import { capsuleRoutes } from "./capsules.js";
import { execRoutes } from "./exec.js";
import { processRoutes } from "./processes.js";
import { fileRoutes } from "./files.js";
import { snapshotRoutes } from "./snapshots.js";
import { streamRoutes } from "./ws-streams.js";
import { ptyRoutes } from "./ws-pty.js";
import { portRoutes } from "./ports.js";
import { buildRoutes } from "./builds.js";
import { hostRoutes } from "./hosts.js";
import { channelRoutes } from "./channels.js";
import { adminRoutes } from "./admin.js";

/** Every route module, each `(app, deps) => void`, registered under its own prefix. */
export async function registerRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  healthRoutes(app, deps);
  await app.register(
    async (v1) => {
      authRoutes(v1, deps);
      meRoutes(v1, deps);
      teamRoutes(v1, deps);
      apiKeyRoutes(v1, deps);
      userRoutes(v1, deps);
      auditLogRoutes(v1, deps);
      capsuleRoutes(v1, deps);
      execRoutes(v1, deps);
      processRoutes(v1, deps);
      fileRoutes(v1, deps);
      snapshotRoutes(v1, deps);
      streamRoutes(v1, deps);
      ptyRoutes(v1, deps);
      portRoutes(v1, deps);
      buildRoutes(v1, deps);
      hostRoutes(v1, deps);
      channelRoutes(v1, deps);
      adminRoutes(v1, deps);
    },
    { prefix: "/v1" },
  );
}
