import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import { signUserToken } from "../auth/jwt.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds, NoContent } from "../http/schemas.js";
import { changePassword, confirmPasswordReset, requestPasswordReset } from "../services/accounts/password.js";
import { deleteAccount, getProfile, updateProfile } from "../services/accounts/profile.js";
import { accountRateLimits } from "../services/accounts/rate-limits.js";
import { EmailField, PasswordField, PersonNameField, TeamSchema, UserSchema, teamJson, userJson } from "../services/accounts/views.js";

const MeResponse = z
  .object({ user: UserSchema, teams: z.array(TeamSchema) })
  .meta({
    id: "Me",
    example: {
      user: { id: exampleIds.user, email: "ada@example.com", name: "Ada Lovelace", status: "active", is_admin: false, default_team_id: exampleIds.team, created_at: "2025-01-01T12:00:00.000Z" },
      teams: [{ id: exampleIds.team, name: "Ada's team", is_byoc: false, role: "owner", created_at: "2025-01-01T12:00:00.000Z" }],
    },
  });

const UpdateMeBody = z
  .object({ name: PersonNameField.optional(), email: EmailField.optional() })
  .meta({ id: "UpdateMeRequest", example: { name: "Ada King" } });

const ChangePasswordBody = z
  .object({ current_password: z.string().min(1, { error: "current_password is required" }).max(1024), new_password: PasswordField })
  .meta({ id: "ChangePasswordRequest", example: { current_password: "correct horse battery staple", new_password: "another long passphrase" } });

const ResetRequestBody = z.object({ email: EmailField }).meta({ id: "PasswordResetRequest", example: { email: "ada@example.com" } });

const ResetConfirmBody = z
  .object({ token: z.string().min(1).max(200).meta({ description: "the token from the reset link" }), password: PasswordField })
  .meta({ id: "PasswordResetConfirmRequest", example: { token: "q3v8GkJ0rX1mYbWc2dT7sHfLpN4aE6zU", password: "another long passphrase" } });

const SessionAfterChange = z
  .object({ token: z.string(), expires_at: z.string() })
  .meta({ id: "SessionToken", example: { token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig", expires_at: "2025-01-01T18:00:00.000Z" } });

export function meRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const user = guard(deps, { user: true });

  r.get("/me", { preHandler: user, schema: { tags: ["accounts"], summary: "Your account and teams", response: { 200: MeResponse, ...errorResponses(403) } } }, async (request) => {
    const { user, teams } = await getProfile(deps, authOf(request));
    return { user: userJson(user), teams: teams.map(teamJson) };
  });

  r.patch(
    "/me",
    { preHandler: user, schema: { tags: ["accounts"], summary: "Change your name or e-mail address", body: UpdateMeBody, response: { 200: UserSchema, ...errorResponses(403, 409) } } },
    async (request) => userJson(await updateProfile(deps, authOf(request), request.body)),
  );

  r.delete(
    "/me",
    {
      preHandler: user,
      schema: {
        tags: ["accounts"],
        summary: "Delete your account",
        description:
          "Soft-deletes the account. Teams where you are the only member are deleted with it; API keys you created are revoked. Refused (409) while you are the only owner of a team with other members, or a team to be deleted still has live capsules.",
        response: { 204: NoContent, ...errorResponses(403, 409) },
      },
    },
    async (request, reply) => {
      await deleteAccount(deps, authOf(request));
      return reply.code(204).send();
    },
  );

  r.post(
    "/me/password",
    {
      preHandler: user,
      schema: {
        tags: ["accounts"],
        summary: "Change your password",
        description: "Every other session of the account ends; the response carries a fresh session token for this one.",
        body: ChangePasswordBody,
        response: { 200: SessionAfterChange, ...errorResponses(403) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      await changePassword(deps, auth, { currentPassword: request.body.current_password, newPassword: request.body.new_password });
      const session = await signUserToken(deps.config.jwtSecret, { userId: auth.userId!, teamId: auth.teamId });
      return { token: session.token, expires_at: session.expiresAt.toISOString() };
    },
  );

  r.post(
    "/me/password/reset",
    {
      config: accountRateLimits.resetRequest,
      schema: {
        tags: ["accounts"],
        summary: "E-mail a password reset link",
        description: "Always 204, whether or not the address has an account. The link works once, for 15 minutes.",
        security: [],
        body: ResetRequestBody,
        response: { 204: NoContent, ...errorResponses(429) },
      },
    },
    async (request, reply) => {
      requestPasswordReset(deps, request.body.email, request.log);
      return reply.code(204).send();
    },
  );

  r.post(
    "/me/password/reset/confirm",
    {
      config: accountRateLimits.resetConfirm,
      schema: { tags: ["accounts"], summary: "Set a new password with a reset token", security: [], body: ResetConfirmBody, response: { 204: NoContent, ...errorResponses(429) } },
    },
    async (request, reply) => {
      await confirmPasswordReset(deps, request.body.token, request.body.password);
      return reply.code(204).send();
    },
  );
}
