import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds, idOf, NoContent } from "../http/schemas.js";
import { addTeamMember, changeMemberRole, leaveTeam, listTeamMembers, removeTeamMember } from "../services/accounts/members.js";
import { getProfile } from "../services/accounts/profile.js";
import { requireTeamRole } from "../services/accounts/team-access.js";
import { createTeam, deleteTeam, updateTeam } from "../services/accounts/teams.js";
import { EmailField, MemberListSchema, MemberSchema, RoleField, TeamListSchema, TeamNameField, TeamSchema, memberJson, teamJson } from "../services/accounts/views.js";

const TeamParams = z.object({ id: idOf("team", exampleIds.team) });
const MemberParams = z.object({ id: idOf("team", exampleIds.team), uid: idOf("user", exampleIds.user) });

const TeamBody = z.object({ name: TeamNameField }).meta({ id: "TeamRequest", example: { name: "Research" } });
const AddMemberBody = z
  .object({ email: EmailField, role: RoleField.default("member") })
  .meta({ id: "AddMemberRequest", example: { email: "grace@example.com", role: "member" } });
const RoleBody = z.object({ role: RoleField }).meta({ id: "MemberRoleRequest", example: { role: "admin" } });

/**
 * Team routes act on the team in the path: the caller's membership and role there are read
 * from the database, whatever team their token is for. They need a user session.
 */
export function teamRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const user = guard(deps, { user: true });
  const tags = ["teams"];

  r.get("/teams", { preHandler: user, schema: { tags, summary: "Your teams", response: { 200: TeamListSchema, ...errorResponses(403) } } }, async (request) => {
    const { teams } = await getProfile(deps, authOf(request));
    return { items: teams.map(teamJson) };
  });

  r.post(
    "/teams",
    { preHandler: user, schema: { tags, summary: "Create a team (you become its owner)", body: TeamBody, response: { 201: TeamSchema, ...errorResponses(403) } } },
    async (request, reply) => reply.code(201).send(teamJson(await createTeam(deps, authOf(request), request.body.name))),
  );

  r.get(
    "/teams/:id",
    { preHandler: user, schema: { tags, summary: "A team you belong to", params: TeamParams, response: { 200: TeamSchema, ...errorResponses(403, 404) } } },
    async (request) => teamJson(await requireTeamRole(deps.db, authOf(request), request.params.id)),
  );

  r.patch(
    "/teams/:id",
    { preHandler: user, schema: { tags, summary: "Rename a team (owner or admin)", params: TeamParams, body: TeamBody, response: { 200: TeamSchema, ...errorResponses(403, 404) } } },
    async (request) => teamJson(await updateTeam(deps, authOf(request), request.params.id, request.body.name)),
  );

  r.delete(
    "/teams/:id",
    {
      preHandler: user,
      schema: {
        tags,
        summary: "Delete a team (owner)",
        description: "Soft-deletes the team; its API keys stop working. Refused (409) while it has pending, running or paused capsules.",
        params: TeamParams,
        response: { 204: NoContent, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteTeam(deps, authOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  r.get(
    "/teams/:id/members",
    { preHandler: user, schema: { tags, summary: "Members of a team", params: TeamParams, response: { 200: MemberListSchema, ...errorResponses(403, 404) } } },
    async (request) => ({ items: (await listTeamMembers(deps, authOf(request), request.params.id)).map(memberJson) }),
  );

  r.post(
    "/teams/:id/members",
    {
      preHandler: user,
      schema: {
        tags,
        summary: "Add an active user to a team (owner or admin; only owners grant owner)",
        params: TeamParams,
        body: AddMemberBody,
        response: { 201: MemberSchema, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(memberJson(await addTeamMember(deps, authOf(request), request.params.id, request.body))),
  );

  r.patch(
    "/teams/:id/members/:uid",
    {
      preHandler: user,
      schema: { tags, summary: "Change a member's role (owner or admin)", params: MemberParams, body: RoleBody, response: { 200: MemberSchema, ...errorResponses(403, 404, 409) } },
    },
    async (request) => memberJson(await changeMemberRole(deps, authOf(request), request.params.id, request.params.uid, request.body.role)),
  );

  r.delete(
    "/teams/:id/members/:uid",
    {
      preHandler: user,
      schema: { tags, summary: "Remove a member (owner or admin; yourself = leave)", params: MemberParams, response: { 204: NoContent, ...errorResponses(403, 404, 409) } },
    },
    async (request, reply) => {
      await removeTeamMember(deps, authOf(request), request.params.id, request.params.uid);
      return reply.code(204).send();
    },
  );

  r.post(
    "/teams/:id/leave",
    {
      preHandler: user,
      schema: { tags, summary: "Leave a team (the last owner cannot)", params: TeamParams, response: { 204: NoContent, ...errorResponses(403, 404, 409) } },
    },
    async (request, reply) => {
      await leaveTeam(deps, authOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
