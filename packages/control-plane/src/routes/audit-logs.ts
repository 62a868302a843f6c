import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { auditEntryJson, auditEntryShape } from "../services/audit-json.js";
import { errorResponses, exampleIds } from "../http/schemas.js";
import { readAuditPage } from "../services/accounts/audit-log.js";

const AuditQuery = z.object({
  before: z.string().max(32).optional().meta({ description: "next_cursor of the previous page" }),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int({ error: "limit must be a whole number" })
    .min(1, { error: "limit must be at least 1 and at most 200" })
    .max(200, { error: "limit must be at least 1 and at most 200" })
    .default(50),
  resource_type: z.string().min(1).max(64).optional().meta({ example: "api_key" }),
  action: z.string().min(1).max(64).optional().meta({ example: "api_key.create" }),
});

const entryExample = {
  id: exampleIds.audit,
  actor_type: "user",
  actor_id: exampleIds.user,
  action: "api_key.create",
  resource_type: "api_key",
  resource_id: exampleIds.apiKey,
  metadata: { name: "ci", key_prefix: "wrn_0123" },
  created_at: "2025-01-01T12:00:00.000Z",
} as const;

const AuditEntry = z.object(auditEntryShape).meta({ id: "AuditLogEntry", example: entryExample });


const AuditPage = z
  .object({ items: z.array(AuditEntry), next_cursor: z.string().nullable().meta({ description: "pass as `before` for the next page; null at the end" }) })
  .meta({ id: "AuditLogPage", example: { items: [entryExample], next_cursor: "1042" } });

export function auditLogRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/audit-logs",
    {
      preHandler: guard(deps),
      schema: {
        tags: ["audit"],
        summary: "Your team's audit log, newest first (owner/admin session or API key)",
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses(403) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await readAuditPage(deps, authOf(request), { before: q.before, limit: q.limit, resourceType: q.resource_type, action: q.action });
      return {
        items: page.items.map(auditEntryJson),
        next_cursor: page.nextCursor,
      };
    },
  );
}
