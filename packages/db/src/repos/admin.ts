/**
 * Queries of the platform admin API: they cross teams on purpose, so they live apart from
 * the team-scoped repositories (whose every query filters on one team).
 */
import { sql, type Kysely } from "kysely";
import type { AuditLog, Capsule, CapsuleStatus, Database, Team, Template, User } from "../schema.js";

type Db = Kysely<Database>;

/** Arbitrary constant: serializes changes to platform admins so one always remains. */
const PLATFORM_ADMINS_LOCK_ID = 0x77726e61646e;

/** Statuses that no longer count as a team's capsules in the admin listing. */
const endedStatuses: CapsuleStatus[] = ["stopped", "error"];

export type AdminTeamRow = Team & { member_count: number; capsule_count: number };
export type AdminUserRow = User & { team_count: number };

export interface AdminPageQuery {
  limit: number;
  /** Only rows after this one in newest-first order (the previous page's last id). */
  before?: string;
}

function escapeLike(text: string): string {
  return `%${text.replace(/[\\%_]/g, "\\$&")}%`;
}

function teamsWithCounts(db: Db) {
  return db
    .selectFrom("teams")
    .selectAll("teams")
    .select((eb) => [
      eb
        .selectFrom("users_teams")
        .innerJoin("users", "users.id", "users_teams.user_id")
        .select((s) => s.fn.countAll<string>().as("n"))
        .whereRef("users_teams.team_id", "=", "teams.id")
        .where("users.deleted_at", "is", null)
        .as("member_count"),
      eb
        .selectFrom("capsules")
        .select((s) => s.fn.countAll<string>().as("n"))
        .whereRef("capsules.team_id", "=", "teams.id")
        .where("capsules.status", "not in", endedStatuses)
        .as("capsule_count"),
    ])
    .where("teams.deleted_at", "is", null);
}

type TeamCountsRow = Team & { member_count: string | null; capsule_count: string | null };
const teamRow = (r: TeamCountsRow): AdminTeamRow => ({ ...r, member_count: Number(r.member_count ?? 0), capsule_count: Number(r.capsule_count ?? 0) });

/** True when a team row with this id ever existed (deleted ones too): a valid paging cursor. */
export async function teamRowExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom("teams").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
}

/** Live teams, newest first, with their live members and capsules counted. `q` matches the id exactly or the name in part. */
export async function listTeamsForAdmin(db: Db, query: AdminPageQuery & { q?: string }): Promise<AdminTeamRow[]> {
  let q = teamsWithCounts(db);
  if (query.before !== undefined) q = q.where(sql<boolean>`(teams.created_at, teams.id) < (SELECT c.created_at, c.id FROM teams c WHERE c.id = ${query.before})`);
  if (query.q !== undefined) {
    const text = query.q;
    q = q.where((eb) => eb.or([eb("teams.id", "=", text), eb("teams.name", "ilike", escapeLike(text))]));
  }
  const rows = await q.orderBy("teams.created_at", "desc").orderBy("teams.id", "desc").limit(query.limit).execute();
  return rows.map(teamRow);
}

export async function findTeamForAdmin(db: Db, id: string): Promise<AdminTeamRow | undefined> {
  const row = await teamsWithCounts(db).where("teams.id", "=", id).executeTakeFirst();
  return row && teamRow(row);
}

export async function setTeamByoc(db: Db, id: string, isByoc: boolean): Promise<Team | undefined> {
  return db.updateTable("teams").set({ is_byoc: isByoc }).where("id", "=", id).where("deleted_at", "is", null).returningAll().executeTakeFirst();
}

/** Locks a live team's row until the transaction ends (a delete and a BYOC change take turns). */
export async function lockLiveTeam(trx: Db, id: string): Promise<Team | undefined> {
  return trx.selectFrom("teams").selectAll().where("id", "=", id).where("deleted_at", "is", null).forUpdate().executeTakeFirst();
}

/** Ids of a team's capsules that still hold host resources (pending, running, paused), oldest first. */
export async function listLiveCapsuleIds(db: Db, teamId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("capsules")
    .select("id")
    .where("team_id", "=", teamId)
    .where("status", "in", ["pending", "running", "paused"])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

function usersWithCounts(db: Db) {
  return db
    .selectFrom("users")
    .selectAll("users")
    .select((eb) =>
      eb
        .selectFrom("users_teams")
        .innerJoin("teams", "teams.id", "users_teams.team_id")
        .select((s) => s.fn.countAll<string>().as("n"))
        .whereRef("users_teams.user_id", "=", "users.id")
        .where("teams.deleted_at", "is", null)
        .as("team_count"),
    )
    .where("users.deleted_at", "is", null);
}

const userRow = (r: User & { team_count: string | null }): AdminUserRow => ({ ...r, team_count: Number(r.team_count ?? 0) });

/** True when a user row with this id ever existed (deleted ones too): a valid paging cursor. */
export async function userRowExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom("users").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
}

/** Live users of every status, newest first, with their live teams counted. `email` matches in part, case-insensitively. */
export async function listUsersForAdmin(db: Db, query: AdminPageQuery & { email?: string }): Promise<AdminUserRow[]> {
  let q = usersWithCounts(db);
  if (query.before !== undefined) q = q.where(sql<boolean>`(users.created_at, users.id) < (SELECT c.created_at, c.id FROM users c WHERE c.id = ${query.before})`);
  if (query.email !== undefined) q = q.where("users.email", "ilike", escapeLike(query.email));
  const rows = await q.orderBy("users.created_at", "desc").orderBy("users.id", "desc").limit(query.limit).execute();
  return rows.map(userRow);
}

export async function findUserForAdmin(db: Db, id: string): Promise<AdminUserRow | undefined> {
  const row = await usersWithCounts(db).where("users.id", "=", id).executeTakeFirst();
  return row && userRow(row);
}


/**
 * Makes changes to platform admins take turns until the transaction ends, so two admins
 * demoting or disabling each other at once cannot leave the platform without one.
 */
export async function lockPlatformAdmins(trx: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${PLATFORM_ADMINS_LOCK_ID})`.execute(trx);
}

/** Active, live platform admins other than `exceptId`. */
export async function countOtherActiveAdmins(db: Db, exceptId: string): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("is_admin", "=", true)
    .where("status", "=", "active")
    .where("deleted_at", "is", null)
    .where("id", "<>", exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface AllAuditQuery {
  /** Only rows older than this sequence number (the previous page's last `seq`). */
  beforeSeq?: string;
  limit: number;
  action?: string;
  teamId?: string;
}

/** One page of the audit log of every team and of the platform, newest first. */
export async function listAllAudit(db: Db, query: AllAuditQuery): Promise<AuditLog[]> {
  let q = db.selectFrom("audit_logs").selectAll();
  if (query.beforeSeq !== undefined) q = q.where(sql<boolean>`seq < ${query.beforeSeq}::bigint`);
  if (query.action !== undefined) q = q.where("action", "=", query.action);
  if (query.teamId !== undefined) q = q.where("team_id", "=", query.teamId);
  return q.orderBy("seq", "desc").limit(query.limit).execute();
}

/** Capsules of every team, newest first; without a status, all but stopped ones. */
export async function listAllCapsules(db: Db, query: { status?: CapsuleStatus; teamId?: string; limit: number }): Promise<Capsule[]> {
  let q = db.selectFrom("capsules").selectAll();
  q = query.status ? q.where("status", "=", query.status) : q.where("status", "!=", "stopped");
  if (query.teamId !== undefined) q = q.where("team_id", "=", query.teamId);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(query.limit).execute();
}

/** Templates that belong to no team (built by platform admins), by name. */
export async function listPlatformTemplates(db: Db): Promise<Template[]> {
  return db.selectFrom("templates").selectAll().where("team_id", "is", null).orderBy("name").execute();
}
