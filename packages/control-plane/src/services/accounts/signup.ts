import { newId, WrennError } from "@wrenn/core";
import {
  activatePendingUser,
  findUserByEmail,
  insertAudit,
  insertUser,
  isDuplicateEmailError,
  setDefaultTeam,
  softDeleteTeam,
  softDeleteUser,
  type Database,
  type User,
} from "@wrenn/db";
import type { Kysely } from "kysely";
import { hashPassword } from "../../auth/secrets.js";
import type { Deps } from "../../deps.js";
import { issueEmailToken, redeemEmailToken, tokenTtlMs } from "./email-tokens.js";
import { activationEmail } from "./emails.js";
import { issueSession, sessionTeam } from "./session.js";
import { createTeamWithOwner, personalTeamName } from "./teams.js";
import type { SessionJson } from "./views.js";

export interface SignupInput {
  email: string;
  password: string;
  name?: string | undefined;
}

function emailTaken(email: string, cause?: unknown): WrennError {
  return new WrennError(
    "conflict",
    `an account already uses ${email}; log in (POST /v1/auth/login), activate it with the e-mailed link, or reset its password (POST /v1/me/password/reset)`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A pending signup whose activation link has expired no longer holds its address: the
 * next signup replaces it. Younger pending accounts still block it, so nobody can take over
 * a signup whose owner is about to click the link.
 */
async function releaseStaleSignup(trx: Kysely<Database>, email: string): Promise<void> {
  const existing = await findUserByEmail(trx, email);
  if (!existing) return;
  const stale = existing.status === "pending" && existing.created_at.getTime() + tokenTtlMs.activation < Date.now();
  if (!stale) throw emailTaken(email);
  const now = new Date();
  await softDeleteUser(trx, existing.id, now);
  if (existing.default_team_id) await softDeleteTeam(trx, existing.default_team_id, now);
}

/** Creates a pending user with a personal team (as owner) and e-mails the activation link. */
export async function signup(deps: Deps, input: SignupInput): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  const { user, token } = await deps.db
    .transaction()
    .execute(async (trx) => {
      await releaseStaleSignup(trx, input.email);
      const user = await insertUser(trx, { id: newId("user"), email: input.email, name: input.name ?? "", passwordHash, status: "pending" });
      const team = await createTeamWithOwner(trx, user.id, personalTeamName(user));
      await setDefaultTeam(trx, user.id, team.id);
      const token = await issueEmailToken(trx, "activation", user.id);
      await insertAudit(trx, { teamId: team.id, actorType: "user", actorId: user.id, action: "user.signup", resourceType: "user", resourceId: user.id, metadata: { email: user.email } });
      return { user: { ...user, default_team_id: team.id }, token };
    })
    .catch((err: unknown) => {
      if (isDuplicateEmailError(err)) throw emailTaken(input.email, err);
      throw err;
    });
  await deps.mailer.send({ to: user.email, ...activationEmail(deps.config.publicUrl, token) });
  return user;
}

/**
 * Redeems an activation link. The first account ever activated on the platform becomes its
 * administrator (decided under a lock, see activatePendingUser). Returns a session.
 */
export async function activate(deps: Deps, token: string): Promise<SessionJson> {
  const user = await deps.db.transaction().execute(async (trx) => {
    const userId = await redeemEmailToken(trx, "activation", token);
    const user = await activatePendingUser(trx, userId);
    if (!user) throw new WrennError("invalid_request", "this activation link belongs to an account that is already active or was deleted; log in with POST /v1/auth/login");
    await insertAudit(trx, { teamId: user.default_team_id, actorType: "user", actorId: user.id, action: "user.activate", resourceType: "user", resourceId: user.id, metadata: { is_admin: user.is_admin } });
    return user;
  });
  return issueSession(deps, user, await sessionTeam(deps.db, user));
}
