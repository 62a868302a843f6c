import { WrennError } from "@wrenn/core";
import { findUserByEmail, findUserById, insertAudit, retireUserTokens, setUserPassword } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import { actorOf, type AuthContext } from "../../auth/context.js";
import { hashPassword, verifyPassword } from "../../auth/secrets.js";
import type { Deps } from "../../deps.js";
import { issueEmailToken, redeemEmailToken } from "./email-tokens.js";
import { passwordResetEmail } from "./emails.js";

/**
 * Starts a reset for an active account. The caller always gets 204: the work for a real
 * account (token, audit row, e-mail) runs after the answer, so neither the status nor the
 * response time tells whether the address has an account.
 */
export function requestPasswordReset(deps: Deps, email: string, log: FastifyBaseLogger): void {
  const run = async (): Promise<void> => {
    const user = await findUserByEmail(deps.db, email);
    if (!user || user.status !== "active") return;
    const token = await issueEmailToken(deps.db, "password_reset", user.id);
    await insertAudit(deps.db, {
      teamId: user.default_team_id,
      actorType: "user",
      actorId: null,
      action: "user.password_reset_request",
      resourceType: "user",
      resourceId: user.id,
      metadata: { email: user.email },
    });
    await deps.mailer.send({ to: user.email, ...passwordResetEmail(deps.config.publicUrl, token) });
  };
  run().catch((err: unknown) => log.error({ err }, "password reset request failed"));
}

/** Sets a new password from a reset link; the link and any older ones stop working. */
export async function confirmPasswordReset(deps: Deps, token: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await deps.db.transaction().execute(async (trx) => {
    const userId = await redeemEmailToken(trx, "password_reset", token);
    const user = await findUserById(trx, userId);
    if (!user || user.status !== "active") throw new WrennError("invalid_request", "this password reset link belongs to an account that is disabled or deleted");
    await setUserPassword(trx, userId, passwordHash);
    await retireUserTokens(trx, userId, "password_reset", new Date());
    await insertAudit(trx, { teamId: user.default_team_id, actorType: "user", actorId: userId, action: "user.password_reset", resourceType: "user", resourceId: userId });
  });
}

/** Changes the caller's password, proving the current one first. */
export async function changePassword(deps: Deps, auth: AuthContext, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const user = auth.userId ? await findUserById(deps.db, auth.userId) : undefined;
  if (!user) throw new WrennError("unauthorized", "the account no longer exists; log in again");
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new WrennError("forbidden", "current_password is wrong; if you forgot it, use POST /v1/me/password/reset");
  }
  const passwordHash = await hashPassword(input.newPassword);
  await deps.db.transaction().execute(async (trx) => {
    await setUserPassword(trx, user.id, passwordHash);
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "user.password_change", resourceType: "user", resourceId: user.id });
  });
}
