import { WrennError } from "@wrenn/core";
import { findMembership, findTeamById, type Database, type TeamRole, type TeamWithRole } from "@wrenn/db";
import type { Kysely } from "kysely";
import type { AuthContext } from "../../auth/context.js";

/**
 * The team in the path as the caller sees it, with the caller's role read from the
 * database (not from the token, which names one team only). Teams the caller is not in are
 * not_found, so team ids do not leak; a member without the role gets forbidden.
 */
export async function requireTeamRole(db: Kysely<Database>, auth: AuthContext, teamId: string, roles?: readonly TeamRole[]): Promise<TeamWithRole> {
  const membership = auth.userId ? await findMembership(db, auth.userId, teamId) : undefined;
  const team = membership ? await findTeamById(db, teamId) : undefined;
  if (!membership || !team) throw new WrennError("not_found", `team ${teamId} not found (or you are not a member)`);
  if (roles && !roles.includes(membership.role)) {
    throw new WrennError("forbidden", `this needs the ${roles.join(" or ")} role in team ${teamId}; yours is ${membership.role}`);
  }
  return { ...team, role: membership.role };
}

/** The user behind a JWT (team and member routes are for people, not API keys). */
export function userIdOf(auth: AuthContext): string {
  if (auth.kind !== "user" || !auth.userId) throw new WrennError("forbidden", "this endpoint needs a user session (log in), not an API key");
  return auth.userId;
}
