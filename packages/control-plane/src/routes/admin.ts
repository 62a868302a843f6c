import { listAllCapsules } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { NoContent, errorResponses, exampleIds, idOf } from "../http/schemas.js";
import { readAllAuditPage } from "../services/admin/audit.js";
import { deleteTeamAsAdmin, listTeams, setByoc } from "../services/admin/teams.js";
import { listPlatformTemplatesWithBuiltins } from "../services/admin/templates.js";
import { listUsers, updateUserAsAdmin } from "../services/admin/users.js";
import {
  AdminAuditPageSchema,
  AdminCapsuleListSchema,
  AdminTeamListSchema,
  AdminTeamSchema,
  AdminTemplateListSchema,
  AdminUserListSchema,
  AdminUserSchema,
  adminAuditJson,
  adminCapsuleJson,
  adminTeamJson,
  adminUserJson,
} from "../services/admin/views.js";
import { capsuleStatuses } from "../services/capsule-json.js";

const Limit = z.coerce
  .number({ error: "limit must be a number" })
  .int({ error: "limit must be a whole number" })
  .min(1, { error: "limit must be at least 1 and at most 200" })
  .max(200, { error: "limit must be at least 1 and at most 200" })
  .default(50);
const cursorOf = (kind: "team" | "user", example: string) => idOf(kind, example).optional().meta({ description: "next_cursor of the previous page" });

const TeamsQuery = z.object({
  limit: Limit,
  before: cursorOf("team", exampleIds.team),
  q: z.string().trim().max(100, { error: "q must be at most 100 characters" }).optional().meta({ description: "a team id, or part of a team name (case-insensitive)", example: "research" }),
});
const UsersQuery = z.object({
  limit: Limit,
  before: cursorOf("user", exampleIds.user),
  email: z.string().trim().max(254, { error: "email must be at most 254 characters" }).optional().meta({ description: "part of an e-mail address (case-insensitive)", example: "@example.com" }),
});
const AuditQuery = z.object({
  before: z.string().max(32).optional().meta({ description: "next_cursor of the previous page" }),
  limit: Limit,
  action: z.string().min(1).max(64).optional().meta({ example: "team.delete" }),
  team_id: idOf("team", exampleIds.team).optional(),
});
const CapsulesQuery = z.object({
  status: z.enum(capsuleStatuses).optional().meta({ description: "default: every status but stopped" }),
  team_id: idOf("team", exampleIds.team).optional(),
  limit: Limit,
});

const TeamParams = z.object({ id: idOf("team", exampleIds.team) });
const UserParams = z.object({ id: idOf("user", exampleIds.user) });

const TeamPatch = z.strictObject({ is_byoc: z.boolean({ error: "is_byoc must be true or false" }) }).meta({ id: "AdminTeamPatch", example: { is_byoc: true } });
const UserPatch = z
  .strictObject({
    status: z.enum(["active", "disabled"], { error: 'status must be "active" or "disabled"' }).optional(),
    is_admin: z.boolean({ error: "is_admin must be true or false" }).optional(),
  })
  .refine((p) => p.status !== undefined || p.is_admin !== undefined, { error: "send status and/or is_admin" })
  .meta({ id: "AdminUserPatch", description: "activate (also a pending user) or disable a user; grant or revoke platform admin", example: { status: "disabled" } });

/** The platform admin API: every route needs a session of a platform admin (API keys never qualify). */
export function adminRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const preHandler = guard(deps, { admin: true });
  const tags = ["admin"];

  r.get(
    "/admin/teams",
    { preHandler, schema: { tags, summary: "Every live team, newest first, with member and capsule counts", querystring: TeamsQuery, response: { 200: AdminTeamListSchema, ...errorResponses(403) } } },
    async (request) => {
      const { teams, nextCursor } = await listTeams(deps, request.query);
      return { teams: teams.map(adminTeamJson), next_cursor: nextCursor };
    },
  );

  r.patch(
    "/admin/teams/:id",
    {
      preHandler,
      schema: { tags, summary: "Allow or stop a team bringing its own hosts (BYOC)", params: TeamParams, body: TeamPatch, response: { 200: AdminTeamSchema, ...errorResponses(403, 404) } },
    },
    async (request) => adminTeamJson(await setByoc(deps, authOf(request), request.params.id, request.body.is_byoc)),
  );

  r.delete(
    "/admin/teams/:id",
    {
      preHandler,
      schema: {
        tags,
        summary: "Delete any team",
        description: "Soft-deletes the team; its API keys and sessions stop working. Refused (409 team_has_capsules, with details.capsule_ids) while it has pending, running or paused capsules.",
        params: TeamParams,
        response: { 204: NoContent, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteTeamAsAdmin(deps, authOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  r.get(
    "/admin/users",
    { preHandler, schema: { tags, summary: "Every user (any status), newest first", querystring: UsersQuery, response: { 200: AdminUserListSchema, ...errorResponses(403) } } },
    async (request) => {
      const { users, nextCursor } = await listUsers(deps, request.query);
      return { users: users.map(adminUserJson), next_cursor: nextCursor };
    },
  );

  r.patch(
    "/admin/users/:id",
    {
      preHandler,
      schema: {
        tags,
        summary: "Activate or disable a user; grant or revoke platform admin",
        description: "A disabled user's sessions fail on their next request. You cannot demote or disable yourself, and the last active platform admin stays (409).",
        params: UserParams,
        body: UserPatch,
        response: { 200: AdminUserSchema, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => adminUserJson(await updateUserAsAdmin(deps, authOf(request), request.params.id, request.body)),
  );

  r.get(
    "/admin/audit-logs",
    { preHandler, schema: { tags, summary: "The audit log of every team and of the platform, newest first", querystring: AuditQuery, response: { 200: AdminAuditPageSchema, ...errorResponses(403) } } },
    async (request) => {
      const q = request.query;
      const page = await readAllAuditPage(deps, { before: q.before, limit: q.limit, action: q.action, teamId: q.team_id });
      return { items: page.items.map(adminAuditJson), next_cursor: page.nextCursor };
    },
  );

  r.get(
    "/admin/capsules",
    { preHandler, schema: { tags, summary: "Capsules of every team, newest first", querystring: CapsulesQuery, response: { 200: AdminCapsuleListSchema, ...errorResponses(403) } } },
    async (request) => {
      const { status, team_id: teamId, limit } = request.query;
      const rows = await listAllCapsules(deps.db, { limit, ...(status ? { status } : {}), ...(teamId ? { teamId } : {}) });
      return { capsules: rows.map(adminCapsuleJson) };
    },
  );

  r.get(
    "/admin/templates",
    { preHandler, schema: { tags, summary: "Built-in and platform templates (build these with POST /v1/admin/builds)", response: { 200: AdminTemplateListSchema, ...errorResponses(403) } } },
    async (request) => {
      const { templates, builtinsAvailable } = await listPlatformTemplatesWithBuiltins(deps, request.log);
      return { templates, builtins_available: builtinsAvailable };
    },
  );
}
