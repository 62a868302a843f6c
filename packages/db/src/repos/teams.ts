import type { Kysely } from "kysely";
import type { Database, Membership, Team, TeamRole } from "../schema.js";

type Db = Kysely<Database>;

/** A team as one of its members sees it. */
export type TeamWithRole = Team & { role: TeamRole };

/** A member as the team lists them. */
export interface TeamMember {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
  created_at: Date;
}

export async function insertTeam(db: Db, team: { id: string; name: string }): Promise<Team> {
  return db.insertInto("teams").values({ id: team.id, name: team.name, deleted_at: null }).returningAll().executeTakeFirstOrThrow();
}

export async function findTeamById(db: Db, id: string): Promise<Team | undefined> {
  return db.selectFrom("teams").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

export async function renameTeam(db: Db, id: string, name: string): Promise<Team | undefined> {
  return db.updateTable("teams").set({ name }).where("id", "=", id).where("deleted_at", "is", null).returningAll().executeTakeFirst();
}

/** Soft delete: the team's API keys stop authenticating at once (their lookup joins live teams). */
export async function softDeleteTeam(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable("teams").set({ deleted_at: at }).where("id", "=", id).where("deleted_at", "is", null).execute();
}

export async function addMember(db: Db, member: { userId: string; teamId: string; role: TeamRole }): Promise<void> {
  await db.insertInto("users_teams").values({ user_id: member.userId, team_id: member.teamId, role: member.role }).execute();
}

/** The user's membership in a live team, or undefined. */
export async function findMembership(db: Db, userId: string, teamId: string): Promise<Membership | undefined> {
  return db
    .selectFrom("users_teams")
    .innerJoin("teams", "teams.id", "users_teams.team_id")
    .selectAll("users_teams")
    .where("users_teams.user_id", "=", userId)
    .where("users_teams.team_id", "=", teamId)
    .where("teams.deleted_at", "is", null)
    .executeTakeFirst();
}

/** The live teams a user belongs to, oldest membership first. */
export async function listUserTeams(db: Db, userId: string): Promise<TeamWithRole[]> {
  return db
    .selectFrom("users_teams")
    .innerJoin("teams", "teams.id", "users_teams.team_id")
    .selectAll("teams")
    .select("users_teams.role")
    .where("users_teams.user_id", "=", userId)
    .where("teams.deleted_at", "is", null)
    .orderBy("users_teams.created_at")
    .orderBy("teams.id")
    .execute();
}

/** Live members of a team, owners first. */
export async function listMembers(db: Db, teamId: string): Promise<TeamMember[]> {
  const rows = await db
    .selectFrom("users_teams")
    .innerJoin("users", "users.id", "users_teams.user_id")
    .select(["users_teams.user_id", "users.email", "users.name", "users_teams.role", "users_teams.created_at"])
    .where("users_teams.team_id", "=", teamId)
    .where("users.deleted_at", "is", null)
    .orderBy("users_teams.created_at")
    .orderBy("users_teams.user_id")
    .execute();
  const rank: Record<TeamRole, number> = { owner: 0, admin: 1, member: 2 };
  return rows.sort((a, b) => rank[a.role] - rank[b.role]);
}

/** How many live members a team has, and how many of them are owners. */
export async function countMembers(db: Db, teamId: string): Promise<{ members: number; owners: number }> {
  const row = await db
    .selectFrom("users_teams")
    .innerJoin("users", "users.id", "users_teams.user_id")
    .select((eb) => [
      eb.fn.countAll<string>().as("members"),
      eb.fn.count<string>(eb.case().when("users_teams.role", "=", "owner").then(1).end()).as("owners"),
    ])
    .where("users_teams.team_id", "=", teamId)
    .where("users.deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  return { members: Number(row.members), owners: Number(row.owners) };
}

export async function setMemberRole(db: Db, teamId: string, userId: string, role: TeamRole): Promise<void> {
  await db.updateTable("users_teams").set({ role }).where("team_id", "=", teamId).where("user_id", "=", userId).execute();
}

export async function removeMember(db: Db, teamId: string, userId: string): Promise<void> {
  await db.deleteFrom("users_teams").where("team_id", "=", teamId).where("user_id", "=", userId).execute();
}

export async function removeAllMemberships(db: Db, userId: string): Promise<void> {
  await db.deleteFrom("users_teams").where("user_id", "=", userId).execute();
}

/** Capsules that still hold host resources; a team with any of them cannot be deleted. */
export async function countLiveCapsules(db: Db, teamId: string): Promise<number> {
  const row = await db
    .selectFrom("capsules")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("team_id", "=", teamId)
    .where("status", "in", ["pending", "running", "paused"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Locks the team's membership rows until the transaction ends, so concurrent role changes
 * and departures cannot both pass the "one owner must remain" check.
 */
export async function lockTeamMembers(trx: Db, teamId: string): Promise<void> {
  await trx.selectFrom("users_teams").select("user_id").where("team_id", "=", teamId).forUpdate().execute();
}
