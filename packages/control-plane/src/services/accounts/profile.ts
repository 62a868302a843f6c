import { WrennError } from "@wrenn/core";
import {
  countMembers,
  findUserById,
  insertAudit,
  isDuplicateEmailError,
  listUserTeams,
  lockTeamMembers,
  removeAllMemberships,
  retireUserTokens,
  revokeApiKeysCreatedBy,
  softDeleteTeam,
  softDeleteUser,
  updateLiveUser,
  type Database,
  type TeamWithRole,
  type User,
} from "@wrenn/db";
import type { Kysely } from "kysely";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { assertNoLiveCapsules } from "./teams.js";

async function currentUser(db: Kysely<Database>, auth: AuthContext): Promise<User> {
  const user = auth.userId ? await findUserById(db, auth.userId) : undefined;
  if (!user) throw new WrennError("unauthorized", "the account no longer exists; log in again");
  return user;
}

export async function getProfile(deps: Deps, auth: AuthContext): Promise<{ user: User; teams: TeamWithRole[] }> {
  const user = await currentUser(deps.db, auth);
  return { user, teams: await listUserTeams(deps.db, user.id) };
}

/** Renames the caller or changes their address (which must not belong to another live account). */
export async function updateProfile(deps: Deps, auth: AuthContext, patch: { name?: string | undefined; email?: string | undefined }): Promise<User> {
  const before = await currentUser(deps.db, auth);
  const changes: { name?: string; email?: string } = {};
  if (patch.name !== undefined && patch.name !== before.name) changes.name = patch.name;
  if (patch.email !== undefined && patch.email !== before.email) changes.email = patch.email;
  if (Object.keys(changes).length === 0) return before;
  return deps.db
    .transaction()
    .execute(async (trx) => {
      const user = await updateLiveUser(trx, before.id, changes);
      if (!user) throw new WrennError("unauthorized", "the account no longer exists; log in again");
      const metadata = Object.fromEntries(Object.entries(changes).map(([field, to]) => [field, { from: before[field as keyof typeof changes], to }]));
      await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "me.update", resourceType: "user", resourceId: user.id, metadata });
      return user;
    })
    .catch((err: unknown) => {
      if (isDuplicateEmailError(err)) throw new WrennError("conflict", `another account already uses ${changes.email}`, { cause: err });
      throw err;
    });
}

/**
 * Teams the account takes with it (it is their only member), after checking nothing blocks
 * the deletion: a team with other members must keep an owner, and a team being deleted must
 * have no live capsules.
 */
async function teamsToDelete(trx: Kysely<Database>, userId: string): Promise<string[]> {
  const doomed: string[] = [];
  for (const team of await listUserTeams(trx, userId)) {
    await lockTeamMembers(trx, team.id);
    const { members, owners } = await countMembers(trx, team.id);
    if (members <= 1) {
      await assertNoLiveCapsules(trx, team.id);
      doomed.push(team.id);
    } else if (team.role === "owner" && owners <= 1) {
      throw new WrennError(
        "conflict",
        `you are the only owner of team ${team.id} ("${team.name}"), which has other members; make one of them owner (PATCH /v1/teams/${team.id}/members/{uid}) or delete the team first`,
      );
    }
  }
  return doomed;
}

/**
 * Soft-deletes the caller: teams where they are alone go with them, they leave the others,
 * and every API key they created is revoked so no credential outlives the account.
 */
export async function deleteAccount(deps: Deps, auth: AuthContext): Promise<void> {
  const user = await currentUser(deps.db, auth);
  await deps.db.transaction().execute(async (trx) => {
    const teams = await listUserTeams(trx, user.id);
    const doomed = await teamsToDelete(trx, user.id);
    const now = new Date();
    for (const teamId of doomed) await softDeleteTeam(trx, teamId, now);
    const revokedKeys = await revokeApiKeysCreatedBy(trx, user.id, now);
    await removeAllMemberships(trx, user.id);
    await retireUserTokens(trx, user.id, "password_reset", now);
    await softDeleteUser(trx, user.id, now);
    for (const team of teams) {
      const metadata = { email: user.email, team_deleted: doomed.includes(team.id), revoked_api_keys: revokedKeys.length };
      await insertAudit(trx, { teamId: team.id, ...actorOf(auth), action: "me.delete", resourceType: "user", resourceId: user.id, metadata });
    }
  });
  deps.apiKeys.forget();
}
