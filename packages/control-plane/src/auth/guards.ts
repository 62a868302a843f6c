import { WrennError } from "@wrenn/core";
import type { TeamRole } from "@wrenn/db";
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { Deps } from "../deps.js";
import { authenticateToken, credentialFromHeaders, type AuthContext } from "./context.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth guards; routes behind a guard read it with `authOf(request)`. */
    wrennAuth: AuthContext | null;
  }
}

export interface GuardOptions {
  /** Only user JWTs (not API keys). */
  user?: boolean;
  /** The caller's team role must be one of these (implies `user`). */
  roles?: TeamRole[];
  /** Platform admins only (implies `user`). */
  admin?: boolean;
}

/** A preHandler that authenticates the request and enforces the options. */
export function guard(deps: Deps, options: GuardOptions = {}): preHandlerAsyncHookHandler {
  return async function authGuard(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    // WebSocket routes may authenticate by first message instead (see ws/auth.ts).
    const token = credentialFromHeaders(request.headers);
    if (!token) throw new WrennError("unauthorized", "authentication required: send X-API-Key: wrn_… or Authorization: Bearer <token>");
    const auth = await authenticateToken(deps, token);
    checkGuard(auth, options);
    request.wrennAuth = auth;
  };
}

export function checkGuard(auth: AuthContext, options: GuardOptions): void {
  const needsUser = options.user || options.roles !== undefined || options.admin;
  if (needsUser && auth.kind !== "user") throw new WrennError("forbidden", "this endpoint needs a user session (log in), not an API key");
  if (options.admin && !auth.isAdmin) throw new WrennError("forbidden", "platform administrators only");
  if (options.roles && (!auth.role || !options.roles.includes(auth.role))) {
    throw new WrennError("forbidden", `this needs the ${options.roles.join(" or ")} role in the team; yours is ${auth.role ?? "none"}`);
  }
}

/** The authenticated caller; throws if the route forgot its guard. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.wrennAuth) throw new WrennError("internal_error", "route is missing its auth guard");
  return request.wrennAuth;
}
