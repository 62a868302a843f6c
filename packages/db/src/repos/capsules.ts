import { sql, type Kysely } from "kysely";
import type { Capsule, CapsuleStatus, CapsuleUpdate, Database, NewCapsule } from "../schema.js";
import { auditInsertCte, type AuditEntry } from "./audit.js";
import { eventWithDeliveriesCtes, type NewEvent } from "./channels.js";

type Db = Kysely<Database>;

export async function insertCapsule(db: Db, capsule: NewCapsule): Promise<Capsule> {
  return db.insertInto("capsules").values(capsule).returningAll().executeTakeFirstOrThrow();
}

/** A capsule of one team; other teams' capsules are indistinguishable from missing ones. */
export async function findTeamCapsule(db: Db, teamId: string, id: string): Promise<Capsule | undefined> {
  return db.selectFrom("capsules").selectAll().where("id", "=", id).where("team_id", "=", teamId).executeTakeFirst();
}

export async function updateCapsule(db: Db, id: string, patch: CapsuleUpdate): Promise<Capsule | undefined> {
  return db.updateTable("capsules").set(patch).where("id", "=", id).returningAll().executeTakeFirst();
}

/**
 * Compare-and-set on the status: applies `patch` only while the capsule is still in one of
 * `from`, so a concurrent change (a destroy racing a create, the reconciler racing a
 * request) is never overwritten. Undefined when the status had moved on.
 */
export async function transitionCapsule(db: Db, id: string, from: readonly CapsuleStatus[], patch: CapsuleUpdate): Promise<Capsule | undefined> {
  return db.updateTable("capsules").set(patch).where("id", "=", id).where("status", "in", [...from]).returningAll().executeTakeFirst();
}

/** What a status change records beside the row: its audit entry and its events. */
export interface TransitionRecords {
  audit?: AuditEntry;
  events?: NewEvent[];
}

/**
 * `transitionCapsule` and its audit row and events in one statement: all are written when
 * the status moved, none when it had moved on. One round trip instead of one per record
 * (each costs 1–2 ms on the embedded database).
 */
export async function transitionCapsuleRecorded(db: Db, id: string, from: readonly CapsuleStatus[], patch: CapsuleUpdate, records: TransitionRecords): Promise<Capsule | undefined> {
  const moved = db.updateTable("capsules").set(patch).where("id", "=", id).where("status", "in", [...from]).returningAll();
  const ctes = [sql`moved AS (${moved})`];
  if (records.audit) ctes.push(auditInsertCte(records.audit, "audit", "moved"));
  (records.events ?? []).forEach((event, i) => ctes.push(eventWithDeliveriesCtes(event, String(i), "moved")));
  const result = await sql<Capsule>`WITH ${sql.join(ctes)} SELECT * FROM moved`.execute(db);
  return result.rows[0];
}

export interface CapsuleListFilter {
  status?: CapsuleStatus;
  /** Every pair must match the capsule's metadata exactly. */
  metadata?: Record<string, string>;
}

/** A team's live capsules (not stopped), newest first. */
export async function listTeamCapsules(db: Db, teamId: string, filter: CapsuleListFilter = {}): Promise<Capsule[]> {
  let query = db.selectFrom("capsules").selectAll().where("team_id", "=", teamId).where("status", "!=", "stopped");
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    query = query.where(sql<boolean>`metadata @> ${JSON.stringify(filter.metadata)}::jsonb`);
  }
  return query.orderBy("created_at", "desc").orderBy("id").execute();
}

/** The capsules a host should hold according to the database (the reconciler's view). */
export async function listHostCapsules(db: Db, hostId: string, statuses: readonly CapsuleStatus[]): Promise<Capsule[]> {
  return db.selectFrom("capsules").selectAll().where("host_id", "=", hostId).where("status", "in", [...statuses]).execute();
}

export interface TeamCapsuleTotals {
  team_id: string;
  running: number;
  vcpus: number;
  memory_mb: number;
}

/** Running capsules and what they hold, per team (teams with none are absent). */
export async function runningTotalsByTeam(db: Db, teamId?: string): Promise<TeamCapsuleTotals[]> {
  let query = db
    .selectFrom("capsules")
    .select((eb) => [
      "team_id",
      eb.fn.countAll<string>().as("running"),
      eb.fn.sum<string>("vcpus").as("vcpus"),
      eb.fn.sum<string>("memory_mb").as("memory_mb"),
    ])
    .where("status", "=", "running")
    .groupBy("team_id");
  if (teamId) query = query.where("team_id", "=", teamId);
  const rows = await query.execute();
  return rows.map((r) => ({ team_id: r.team_id, running: Number(r.running), vcpus: Number(r.vcpus), memory_mb: Number(r.memory_mb) }));
}
