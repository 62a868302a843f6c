/**
 * Team membership: who may add, promote, demote and remove whom. Owners can do anything;
 * admins manage members and admins but never owners; every team keeps at least one owner.
 */
import { WrennError } from "@wrenn/core";
import {
  addMember,
  countMembers,
  findActiveUserByEmail,
  findMembership,
  insertAudit,
  listMembers,
  lockTeamMembers,
  removeMember,
  setMemberRole,
  type Database,
  type TeamMember,
  type TeamRole,
} from "@wrenn/db";
import type { Kysely } from "kysely";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { requireTeamRole, userIdOf } from "./team-access.js";

const LAST_OWNER_HINT = "a team needs at least one owner: make another member owner first (PATCH /v1/teams/{id}/members/{uid}), or delete the team";

async function memberOrNotFound(db: Kysely<Database>, teamId: string, userId: string): Promise<TeamRole> {
  const m = await findMembership(db, userId, teamId);
  if (!m) throw new WrennError("not_found", `user ${userId} is not a member of team ${teamId}`);
  return m.role;
}

/** `who` completes "… the last owner", e.g. "you are" or "user usr-… is". */
async function assertOwnerRemains(db: Kysely<Database>, teamId: string, who: string): Promise<void> {
  const { owners } = await countMembers(db, teamId);
  if (owners <= 1) throw new WrennError("conflict", `${who} the last owner of team ${teamId}; ${LAST_OWNER_HINT}`);
}

function assertMayManage(callerRole: TeamRole, targetRole: TeamRole, newRole?: TeamRole): void {
  if (callerRole === "owner") return;
  if (targetRole === "owner") throw new WrennError("forbidden", "only owners can change or remove an owner");
  if (newRole === "owner") throw new WrennError("forbidden", "only owners can make someone an owner");
}

async function findTeamMember(db: Kysely<Database>, teamId: string, userId: string): Promise<TeamMember> {
  const member = (await listMembers(db, teamId)).find((m) => m.user_id === userId);
  if (!member) throw new WrennError("not_found", `user ${userId} is not a member of team ${teamId}`);
  return member;
}

export async function listTeamMembers(deps: Deps, auth: AuthContext, teamId: string): Promise<TeamMember[]> {
  await requireTeamRole(deps.db, auth, teamId);
  return listMembers(deps.db, teamId);
}

export async function addTeamMember(deps: Deps, auth: AuthContext, teamId: string, input: { email: string; role: TeamRole }): Promise<TeamMember> {
  const caller = await requireTeamRole(deps.db, auth, teamId, ["owner", "admin"]);
  if (input.role === "owner" && caller.role !== "owner") throw new WrennError("forbidden", "only owners can make someone an owner");
  const user = await findActiveUserByEmail(deps.db, input.email);
  if (!user) throw new WrennError("not_found", `no active account uses ${input.email}; they must sign up and activate first`);
  return deps.db.transaction().execute(async (trx) => {
    if (await findMembership(trx, user.id, teamId)) throw new WrennError("conflict", `${input.email} is already a member of team ${teamId}`);
    await addMember(trx, { userId: user.id, teamId, role: input.role });
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "member.add", resourceType: "user", resourceId: user.id, metadata: { email: user.email, role: input.role } });
    return findTeamMember(trx, teamId, user.id);
  });
}

export async function changeMemberRole(deps: Deps, auth: AuthContext, teamId: string, userId: string, role: TeamRole): Promise<TeamMember> {
  const caller = await requireTeamRole(deps.db, auth, teamId, ["owner", "admin"]);
  return deps.db.transaction().execute(async (trx) => {
    await lockTeamMembers(trx, teamId);
    const current = await memberOrNotFound(trx, teamId, userId);
    assertMayManage(caller.role, current, role);
    if (current === "owner" && role !== "owner") await assertOwnerRemains(trx, teamId, `user ${userId} is`);
    if (current !== role) {
      await setMemberRole(trx, teamId, userId, role);
      await insertAudit(trx, { teamId, ...actorOf(auth), action: "member.role_change", resourceType: "user", resourceId: userId, metadata: { from: current, to: role } });
    }
    return findTeamMember(trx, teamId, userId);
  });
}

/** Removes a member; removing yourself is leaving (any role may leave). */
export async function removeTeamMember(deps: Deps, auth: AuthContext, teamId: string, userId: string): Promise<void> {
  if (userId === userIdOf(auth)) return leaveTeam(deps, auth, teamId);
  const caller = await requireTeamRole(deps.db, auth, teamId, ["owner", "admin"]);
  await deps.db.transaction().execute(async (trx) => {
    await lockTeamMembers(trx, teamId);
    const current = await memberOrNotFound(trx, teamId, userId);
    assertMayManage(caller.role, current);
    if (current === "owner") await assertOwnerRemains(trx, teamId, `user ${userId} is`);
    await removeMember(trx, teamId, userId);
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "member.remove", resourceType: "user", resourceId: userId, metadata: { role: current } });
  });
}

export async function leaveTeam(deps: Deps, auth: AuthContext, teamId: string): Promise<void> {
  const userId = userIdOf(auth);
  await requireTeamRole(deps.db, auth, teamId);
  await deps.db.transaction().execute(async (trx) => {
    await lockTeamMembers(trx, teamId);
    const current = await memberOrNotFound(trx, teamId, userId);
    if (current === "owner") await assertOwnerRemains(trx, teamId, "you are");
    await removeMember(trx, teamId, userId);
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "member.leave", resourceType: "user", resourceId: userId, metadata: { role: current } });
  });
}
