import { WRENN_VERSION } from "@wrenn/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../deps.js";

const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    database: z.enum(["ok", "error"]),
    agent: z.enum(["ok", "error"]).meta({ description: "ok when at least one online host agent answers" }),
    hosts: z.object({ online: z.number().int(), answering: z.number().int() }),
  })
  .meta({ id: "Health", example: { status: "ok", version: "0.1.0", database: "ok", agent: "ok", hosts: { online: 1, answering: 1 } } });

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
      const agents = database === "ok" ? await deps.fleet.onlineAgents().catch(() => []) : [];
      const answers = await Promise.all(agents.map((a) => a.client.getHostStats({}, { timeoutMs: 2000 }).then(() => true, () => false)));
      const answering = answers.filter(Boolean).length;
      const agent = answering > 0 ? ("ok" as const) : ("error" as const);
      const ok = database === "ok" && agent === "ok";
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", version: WRENN_VERSION, database, agent, hosts: { online: agents.length, answering } });
    },
  );
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
}
