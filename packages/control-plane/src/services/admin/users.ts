import { WrennError } from "@wrenn/core";
import {
  countOtherActiveAdmins,
  findUserById,
  findUserForAdmin,
  insertAudit,
  listUsersForAdmin,
  lockPlatformAdmins,
  updateLiveUser,
  userRowExists,
  type AdminUserRow,
  type AuditEntry,
} from "@wrenn/db";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import type { PageQuery } from "./teams.js";

export interface UserPatch {
  status?: "active" | "disabled" | undefined;
  is_admin?: boolean | undefined;
}

export async function listUsers(deps: Deps, query: PageQuery & { email?: string | undefined }): Promise<{ users: AdminUserRow[]; nextCursor: string | null }> {
  if (query.before !== undefined && !(await userRowExists(deps.db, query.before))) {
    throw new WrennError("invalid_request", "before is not a cursor from this API; pass the next_cursor of the previous page");
  }
  const rows = await listUsersForAdmin(deps.db, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { before: query.before } : {}),
    ...(query.email ? { email: query.email } : {}),
  });
  const users = rows.slice(0, query.limit);
  return { users, nextCursor: rows.length > query.limit ? users[users.length - 1]!.id : null };
}

/**
 * Activates or disables a user and grants or revokes platform admin. Disabled users' sessions
 * fail on their next request (the JWT guard reads the status from the database). Admins
 * cannot demote or disable themselves, and the last active admin cannot be removed; changes
 * to admins take turns, so two admins removing each other at once cannot both succeed.
 */
export async function updateUserAsAdmin(deps: Deps, auth: AuthContext, userId: string, patch: UserPatch): Promise<AdminUserRow> {
  await deps.db.transaction().execute(async (trx) => {
    await lockPlatformAdmins(trx);
    const actor = auth.userId ? await findUserById(trx, auth.userId) : undefined;
    if (!actor || !actor.is_admin || actor.status !== "active") throw new WrennError("forbidden", "platform administrators only");
    const target = await findUserById(trx, userId);
    if (!target) throw new WrennError("not_found", `user ${userId} not found`);

    const revokes = patch.is_admin === false && target.is_admin;
    const disables = patch.status === "disabled" && target.status !== "disabled";
    if ((revokes || disables) && target.is_admin && target.status === "active" && (await countOtherActiveAdmins(trx, target.id)) === 0) {
      throw new WrennError("conflict", `${target.email} is the last active platform admin; grant admin to another user first`);
    }
    if (target.id === actor.id && revokes) throw new WrennError("conflict", "you cannot revoke your own platform admin; ask another platform admin to do it");
    if (target.id === actor.id && disables) throw new WrennError("conflict", "you cannot disable your own account; ask another platform admin to do it");

    const change: UserPatch = {};
    if (patch.status !== undefined && patch.status !== target.status) change.status = patch.status;
    if (patch.is_admin !== undefined && patch.is_admin !== target.is_admin) change.is_admin = patch.is_admin;
    if (change.status === undefined && change.is_admin === undefined) return;
    await updateLiveUser(trx, userId, change);

    const entry = (action: string, metadata: Record<string, unknown>): AuditEntry => ({ teamId: null, ...actorOf(auth), action, resourceType: "user", resourceId: userId, metadata });
    if (change.status !== undefined) {
      await insertAudit(trx, entry(change.status === "disabled" ? "user.disabled" : "user.activated", { email: target.email, from: target.status }));
    }
    if (change.is_admin !== undefined) await insertAudit(trx, entry(change.is_admin ? "user.admin_granted" : "user.admin_revoked", { email: target.email }));
  });
  const user = await findUserForAdmin(deps.db, userId);
  if (!user) throw new WrennError("not_found", `user ${userId} not found`);
  return user;
}
