import { WrennError } from "@wrenn/core";
import { findMembership, findTeamById, findUserByEmail, findUserById, insertAudit } from "@wrenn/db";
import type { AuthContext } from "../../auth/context.js";
import { verifyPassword } from "../../auth/secrets.js";
import type { Deps } from "../../deps.js";
import { issueSession, sessionTeam } from "./session.js";
import type { SessionJson } from "./views.js";

/**
 * Checked when the address is unknown, so a login for a missing account takes as long as
 * one with a wrong password (same argon2id parameters as real hashes).
 */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$59k9k//NYvnvV0D/F0IBMQ$y0i/3urOZjRApJm07CzExuFeZddFvvuOLpXROhkYtJw";

const BAD_CREDENTIALS = "the e-mail address or password is wrong";

/** Failed logins are platform-level audit rows (no team): the caller proved no membership. */
async function recordLoginFailure(deps: Deps, email: string, reason: string, userId: string | null): Promise<void> {
  await insertAudit(deps.db, {
    teamId: null,
    actorType: "user",
    actorId: null,
    action: "auth.login_failed",
    resourceType: "user",
    resourceId: userId,
    metadata: { email, reason },
  });
}

/**
 * Unknown address and wrong password answer alike (401, same message, same work). Only a
 * caller who knows the password learns that the account still needs activation (403).
 */
export async function login(deps: Deps, input: { email: string; password: string }): Promise<SessionJson> {
  const user = await findUserByEmail(deps.db, input.email);
  const ok = await verifyPassword(user?.password_hash ?? DUMMY_HASH, input.password);
  if (!user || !ok) {
    await recordLoginFailure(deps, input.email, user ? "wrong_password" : "unknown_email", user?.id ?? null);
    throw new WrennError("unauthorized", BAD_CREDENTIALS);
  }
  if (user.status !== "active") {
    await recordLoginFailure(deps, input.email, user.status, user.id);
    throw user.status === "pending"
      ? new WrennError("forbidden", "activate your account first: open the link in the e-mail we sent when you signed up")
      : new WrennError("forbidden", "this account is disabled; contact your Wrenn administrator");
  }
  return issueSession(deps, user, await sessionTeam(deps.db, user));
}

/** A new token for another team the caller belongs to. */
export async function switchTeam(deps: Deps, auth: AuthContext, teamId: string): Promise<SessionJson> {
  const user = auth.userId ? await findUserById(deps.db, auth.userId) : undefined;
  if (!user) throw new WrennError("unauthorized", "the account no longer exists; log in again");
  const membership = await findMembership(deps.db, user.id, teamId);
  const team = membership ? await findTeamById(deps.db, teamId) : undefined;
  if (!membership || !team) throw new WrennError("not_found", `team ${teamId} not found (or you are not a member); list yours with GET /v1/teams`);
  return issueSession(deps, user, { ...team, role: membership.role });
}
