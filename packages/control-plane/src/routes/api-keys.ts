import { listTeamApiKeys } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds, idOf, NoContent } from "../http/schemas.js";
import { createApiKey, revokeApiKey } from "../services/accounts/api-keys.js";

const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1, { error: "name must not be empty" }).max(100, { error: "name must be at most 100 characters" }).meta({ example: "ci" }),
  })
  .meta({ id: "CreateApiKeyRequest", example: { name: "ci" } });

const CreatedKey = z
  .object({
    id: z.string(),
    name: z.string(),
    key: z.string().meta({ description: "the key itself; shown only in this response" }),
    key_prefix: z.string(),
    created_at: z.string(),
  })
  .meta({
    id: "CreatedApiKey",
    example: { id: exampleIds.apiKey, name: "ci", key: "wrn_0123456789abcdef0123456789abcdef", key_prefix: "wrn_0123", created_at: "2025-01-01T12:00:00.000Z" },
  });

const keyExample = {
  id: exampleIds.apiKey,
  name: "ci",
  key_prefix: "wrn_0123",
  created_by: { id: exampleIds.user, email: "ada@example.com" },
  created_at: "2025-01-01T12:00:00.000Z",
  last_used_at: "2025-01-02T08:30:00.000Z",
};

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    key_prefix: z.string(),
    created_by: z.object({ id: z.string(), email: z.string().nullable() }).nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: "ApiKey", example: keyExample });

const ApiKeyList = z.object({ items: z.array(ApiKeySchema) }).meta({ id: "ApiKeyList", example: { items: [keyExample] } });

const KeyParams = z.object({ id: idOf("apiKey", exampleIds.apiKey) });

/** Keys of the caller's team. Listing: any credential; creating and revoking: owner/admin session or an API key. */
export function apiKeyRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["api-keys"];

  r.post(
    "/api-keys",
    {
      preHandler: guard(deps),
      schema: {
        tags,
        summary: "Create an API key for your team",
        description:
          "Needs an owner or admin session, or an API key of the team (keys may manage keys, so automation can rotate its own). The plaintext key is in this response only; a key made by a key is attributed to the user who created the calling key.",
        body: CreateKeyBody,
        response: { 201: CreatedKey, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const { row, plaintext } = await createApiKey(deps, authOf(request), request.body.name);
      return reply.code(201).send({ id: row.id, name: row.name, key: plaintext, key_prefix: row.key_prefix, created_at: row.created_at.toISOString() });
    },
  );

  r.get("/api-keys", { preHandler: guard(deps), schema: { tags, summary: "Your team's API keys (never the keys themselves)", response: { 200: ApiKeyList, ...errorResponses() } } }, async (request) => {
    const keys = await listTeamApiKeys(deps.db, authOf(request).teamId);
    return {
      items: keys.map((k) => ({
        id: k.id,
        name: k.name,
        key_prefix: k.key_prefix,
        created_by: k.created_by ? { id: k.created_by, email: k.created_by_email } : null,
        created_at: k.created_at.toISOString(),
        last_used_at: k.last_used_at ? k.last_used_at.toISOString() : null,
      })),
    };
  });

  r.delete(
    "/api-keys/:id",
    { preHandler: guard(deps), schema: { tags, summary: "Revoke an API key (effective immediately)", params: KeyParams, response: { 204: NoContent, ...errorResponses(403, 404) } } },
    async (request, reply) => {
      await revokeApiKey(deps, authOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
