import { newId, WrennError } from "@wrenn/core";
import { addMember, countLiveCapsules, insertAudit, insertTeam, renameTeam, softDeleteTeam, type Database, type TeamWithRole, type User } from "@wrenn/db";
import type { Kysely } from "kysely";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { requireTeamRole, userIdOf } from "./team-access.js";

/** "Ada's team", from the user's name or the local part of their address. */
export function personalTeamName(user: Pick<User, "name" | "email">): string {
  const who = user.name.trim() || user.email.split("@")[0] || "My";
  return `${who}'s team`.slice(0, 100);
}

/** A new team with the user as its owner. Callers run it inside their transaction. */
export async function createTeamWithOwner(db: Kysely<Database>, userId: string, name: string): Promise<TeamWithRole> {
  const team = await insertTeam(db, { id: newId("team"), name });
  await addMember(db, { userId, teamId: team.id, role: "owner" });
  return { ...team, role: "owner" };
}

export async function createTeam(deps: Deps, auth: AuthContext, name: string): Promise<TeamWithRole> {
  const userId = userIdOf(auth);
  return deps.db.transaction().execute(async (trx) => {
    const team = await createTeamWithOwner(trx, userId, name);
    await insertAudit(trx, { teamId: team.id, ...actorOf(auth), action: "team.create", resourceType: "team", resourceId: team.id, metadata: { name } });
    return team;
  });
}

export async function updateTeam(deps: Deps, auth: AuthContext, teamId: string, name: string): Promise<TeamWithRole> {
  const current = await requireTeamRole(deps.db, auth, teamId, ["owner", "admin"]);
  return deps.db.transaction().execute(async (trx) => {
    const team = await renameTeam(trx, teamId, name);
    if (!team) throw new WrennError("not_found", `team ${teamId} not found`);
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "team.update", resourceType: "team", resourceId: teamId, metadata: { name: { from: current.name, to: name } } });
    return { ...team, role: current.role };
  });
}

/**
 * Soft-deletes a team (owners only). Refused while capsules still hold host resources, so
 * nothing keeps running unbilled and unreachable. Its API keys stop working at once.
 */
export async function deleteTeam(deps: Deps, auth: AuthContext, teamId: string): Promise<void> {
  await requireTeamRole(deps.db, auth, teamId, ["owner"]);
  await deps.db.transaction().execute(async (trx) => {
    await assertNoLiveCapsules(trx, teamId);
    await softDeleteTeam(trx, teamId, new Date());
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "team.delete", resourceType: "team", resourceId: teamId });
  });
  deps.apiKeys.forget();
}

export async function assertNoLiveCapsules(db: Kysely<Database>, teamId: string): Promise<void> {
  const live = await countLiveCapsules(db, teamId);
  if (live > 0) {
    throw new WrennError("conflict", `team ${teamId} still has ${live} running, paused or starting capsule(s); destroy them first (DELETE /v1/capsules/{id})`);
  }
}
