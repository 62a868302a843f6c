import { WrennError } from "@wrenn/core";
import { findActiveApiKeyByHash, findMembership, findUserById, touchApiKey, type TeamRole } from "@wrenn/db";
import type { Deps } from "../deps.js";
import { verifyUserToken } from "./jwt.js";
import { apiKeyPattern, sha256Hex } from "./secrets.js";

/** Who is calling, and for which team. Every team-scoped query filters on `teamId`. */
export interface AuthContext {
  kind: "api_key" | "user";
  teamId: string;
  /** The user behind a JWT, or the user who created the API key (may be null). */
  userId: string | null;
  apiKeyId: string | null;
  /** The user's role in the team (JWT only). */
  role: TeamRole | null;
  isAdmin: boolean;
}

/** The audit actor for a request. */
export function actorOf(auth: AuthContext): { actorType: "user" | "api_key"; actorId: string | null } {
  return auth.kind === "api_key" ? { actorType: "api_key", actorId: auth.apiKeyId } : { actorType: "user", actorId: auth.userId };
}

async function fromApiKey(deps: Deps, key: string): Promise<AuthContext> {
  if (!apiKeyPattern.test(key)) throw new WrennError("unauthorized", "the API key is malformed: keys look like wrn_ followed by 32 hex characters");
  const hash = sha256Hex(key);
  const row = await deps.apiKeys.resolve(hash, () => findActiveApiKeyByHash(deps.db, hash));
  if (!row) throw new WrennError("unauthorized", "the API key is unknown or revoked; create a new one with `wrenn key create`");
  const now = Date.now();
  if (deps.apiKeys.dueForTouch(row.id, now)) {
    // Bookkeeping, not authentication: the request does not wait for it.
    touchApiKey(deps.db, row.id, new Date(now)).catch((err: unknown) => process.emitWarning(`could not record the use of API key ${row.id}: ${(err as Error).message}`));
  }
  return { kind: "api_key", teamId: row.team_id, userId: row.created_by, apiKeyId: row.id, role: null, isAdmin: false };
}

async function fromJwt(deps: Deps, token: string): Promise<AuthContext> {
  const claims = await verifyUserToken(deps.config.jwtSecret, token);
  const user = await findUserById(deps.db, claims.userId);
  if (!user || user.status !== "active") throw new WrennError("unauthorized", "the account no longer exists or is disabled");
  // Second precision: a session issued in the second of the change stays valid.
  if (claims.issuedAt < Math.floor(user.password_changed_at.getTime() / 1000)) {
    throw new WrennError("unauthorized", "the password was changed since this session started; log in again");
  }
  const membership = await findMembership(deps.db, claims.userId, claims.teamId);
  if (!membership) throw new WrennError("unauthorized", "you are no longer a member of this team; log in again");
  return { kind: "user", teamId: claims.teamId, userId: user.id, apiKeyId: null, role: membership.role, isAdmin: user.is_admin };
}

/** Authenticates a credential: an API key (`wrn_…`) or a user JWT. */
export function authenticateToken(deps: Deps, token: string): Promise<AuthContext> {
  return token.startsWith("wrn_") ? fromApiKey(deps, token) : fromJwt(deps, token);
}

/** The credential in request headers (`X-API-Key` or `Authorization: Bearer`), if any. */
export function credentialFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers["x-api-key"];
  if (typeof key === "string" && key !== "") return key.trim();
  const authz = headers.authorization;
  if (typeof authz === "string") {
    const match = /^Bearer\s+(.+)$/i.exec(authz.trim());
    if (match) return match[1]!.trim();
  }
  return undefined;
}
