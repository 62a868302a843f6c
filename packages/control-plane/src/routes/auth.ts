import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds, idOf } from "../http/schemas.js";
import { activate, signup } from "../services/accounts/signup.js";
import { login, switchTeam } from "../services/accounts/login.js";
import { accountRateLimits } from "../services/accounts/rate-limits.js";
import { EmailField, PasswordField, PersonNameField, SessionSchema, UserSchema, userJson } from "../services/accounts/views.js";

const SignupBody = z
  .object({ email: EmailField, password: PasswordField, name: PersonNameField.optional() })
  .meta({ id: "SignupRequest", example: { email: "ada@example.com", password: "correct horse battery staple", name: "Ada Lovelace" } });

const SignupResponse = z
  .object({ user: UserSchema })
  .meta({
    id: "SignupResponse",
    example: {
      user: { id: exampleIds.user, email: "ada@example.com", name: "Ada Lovelace", status: "pending", is_admin: false, default_team_id: exampleIds.team, created_at: "2025-01-01T12:00:00.000Z" },
    },
  });

const ActivateBody = z
  .object({ token: z.string().min(1).max(200).meta({ description: "the token from the activation link" }) })
  .meta({ id: "ActivateRequest", example: { token: "q3v8GkJ0rX1mYbWc2dT7sHfLpN4aE6zU" } });

const LoginBody = z
  .object({ email: EmailField, password: z.string().min(1, { error: "password is required" }).max(1024) })
  .meta({ id: "LoginRequest", example: { email: "ada@example.com", password: "correct horse battery staple" } });

const SwitchTeamBody = z.object({ team_id: idOf("team", exampleIds.team) }).meta({ id: "SwitchTeamRequest", example: { team_id: exampleIds.team } });

export function authRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    "/auth/signup",
    {
      config: accountRateLimits.signup,
      schema: {
        tags: ["accounts"],
        summary: "Create an account; an activation link is e-mailed",
        security: [],
        body: SignupBody,
        response: { 201: SignupResponse, ...errorResponses(409, 429) },
      },
    },
    async (request, reply) => {
      const user = await signup(deps, request.body);
      return reply.code(201).send({ user: userJson(user) });
    },
  );

  r.post(
    "/auth/activate",
    {
      config: accountRateLimits.activate,
      schema: { tags: ["accounts"], summary: "Activate an account with the e-mailed token", security: [], body: ActivateBody, response: { 200: SessionSchema, ...errorResponses(429) } },
    },
    async (request) => activate(deps, request.body.token),
  );

  r.post(
    "/auth/login",
    {
      config: accountRateLimits.login,
      schema: { tags: ["accounts"], summary: "Log in with e-mail and password", security: [], body: LoginBody, response: { 200: SessionSchema, ...errorResponses(403, 429) } },
    },
    async (request) => login(deps, request.body),
  );

  r.post(
    "/auth/switch-team",
    {
      preHandler: guard(deps, { user: true }),
      schema: { tags: ["accounts"], summary: "Get a token for another of your teams", body: SwitchTeamBody, response: { 200: SessionSchema, ...errorResponses(403, 404) } },
    },
    async (request) => switchTeam(deps, authOf(request), request.body.team_id),
  );
}
