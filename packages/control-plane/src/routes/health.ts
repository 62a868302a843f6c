import { WRENN_VERSION } from "@wrenn/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../deps.js";

const Health = z
  .object({ status: z.enum(["ok", "degraded"]), version: z.string(), database: z.enum(["ok", "error"]), agent: z.enum(["ok", "error"]) })
  .meta({ id: "Health", example: { status: "ok", version: "0.1.0", database: "ok", agent: "ok" } });

export function healthRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/health",
    { schema: { tags: ["system"], summary: "Liveness and dependency status", response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const database = await deps.db
        .selectNoFrom((eb) => eb.val(1).as("one"))
        .execute()
        .then(() => "ok" as const, () => "error" as const);
      const agent = await deps.agent.client.getHostStats({}, { timeoutMs: 2000 }).then(() => "ok" as const, () => "error" as const);
      const ok = database === "ok" && agent === "ok";
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", version: WRENN_VERSION, database, agent });
    },
  );
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
}
