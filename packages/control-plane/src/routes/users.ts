import { findActiveUserByEmail } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds } from "../http/schemas.js";

const SearchQuery = z.object({
  email: z
    .string()
    .trim()
    .min(3, { error: "email must be at least 3 characters" })
    .max(254, { error: "email must be at most 254 characters" })
    .meta({ example: "grace@example.com" }),
});

const UserHit = z.object({ id: z.string(), email: z.string(), name: z.string() });
const UserSearchResponse = z
  .object({ items: z.array(UserHit) })
  .meta({ id: "UserSearchResult", example: { items: [{ id: exampleIds.user, email: "grace@example.com", name: "Grace Hopper" }] } });

export function userRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    "/users/search",
    {
      preHandler: guard(deps, { user: true }),
      schema: {
        tags: ["teams"],
        summary: "Find an active user by exact e-mail address (to add them to a team)",
        querystring: SearchQuery,
        response: { 200: UserSearchResponse, ...errorResponses(403) },
      },
    },
    async (request) => {
      const user = await findActiveUserByEmail(deps.db, request.query.email);
      return { items: user ? [{ id: user.id, email: user.email, name: user.name }] : [] };
    },
  );
}
