import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Host, HostsTable } from "../schema.js";
import type { Updateable } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

export type HostUpdate = Updateable<HostsTable>;

/** Resources held on one host: capsules that run (or are starting), and paused ones. */
export interface HostLoad {
  hostId: string;
  running: { vcpus: number; memoryMb: number; diskMb: number; count: number };
  paused: { vcpus: number; memoryMb: number; diskMb: number; count: number };
}

export async function findHost(db: Db, id: string): Promise<Host | undefined> {
  return db.selectFrom("hosts").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

export async function listHosts(db: Db, filter: { teamId?: string; statuses?: Host["status"][] } = {}): Promise<Host[]> {
  let q = db.selectFrom("hosts").selectAll().where("deleted_at", "is", null);
  if (filter.teamId !== undefined) q = q.where("team_id", "=", filter.teamId);
  if (filter.statuses) q = q.where("status", "in", filter.statuses);
  return q.orderBy("created_at").orderBy("id").execute();
}

export async function updateHost(db: Db, id: string, patch: HostUpdate): Promise<Host | undefined> {
  return db.updateTable("hosts").set(patch).where("id", "=", id).where("deleted_at", "is", null).returningAll().executeTakeFirst();
}

export async function findHostByRegistrationToken(db: Db, tokenHash: string): Promise<Host | undefined> {
  return db.selectFrom("hosts").selectAll().where("registration_token_hash", "=", tokenHash).where("deleted_at", "is", null).executeTakeFirst();
}

/** Deleted hosts too: their agents learn from it that they are gone. */
export async function findHostByRefreshToken(db: Db, tokenHash: string): Promise<Host | undefined> {
  return db.selectFrom("hosts").selectAll().where("refresh_token_hash", "=", tokenHash).executeTakeFirst();
}

/** What each host holds, from the capsule rows (pending counts as running: it is being placed there). */
export async function hostLoads(db: Db): Promise<Map<string, HostLoad>> {
  const rows = await db
    .selectFrom("capsules")
    .select([
      "host_id",
      sql<boolean>`status = 'paused'`.as("paused"),
      sql<string>`coalesce(sum(vcpus), 0)`.as("vcpus"),
      sql<string>`coalesce(sum(memory_mb), 0)`.as("memory_mb"),
      sql<string>`coalesce(sum(disk_mb), 0)`.as("disk_mb"),
      sql<string>`count(*)`.as("count"),
    ])
    .where("status", "in", ["pending", "running", "paused"])
    .where("host_id", "is not", null)
    .groupBy(["host_id", sql`status = 'paused'`])
    .execute();
  const loads = new Map<string, HostLoad>();
  const empty = () => ({ vcpus: 0, memoryMb: 0, diskMb: 0, count: 0 });
  for (const row of rows) {
    const hostId = row.host_id!;
    const load = loads.get(hostId) ?? { hostId, running: empty(), paused: empty() };
    const into = row.paused ? load.paused : load.running;
    into.vcpus += Number(row.vcpus);
    into.memoryMb += Number(row.memory_mb);
    into.diskMb += Number(row.disk_mb);
    into.count += Number(row.count);
    loads.set(hostId, load);
  }
  return loads;
}

const LIVE_STATUSES = ["pending", "running", "paused", "missing"] as const;

/** How many live capsules (pending, running, paused, missing) each host holds, in one query. */
export async function liveCapsuleCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("capsules")
    .select(["host_id", sql<string>`count(*)`.as("count")])
    .where("status", "in", LIVE_STATUSES)
    .where("host_id", "is not", null)
    .groupBy("host_id")
    .execute();
  return new Map(rows.map((r) => [r.host_id!, Number(r.count)]));
}

/** Capsules that still hold resources on a host (what deleting it would destroy). */
export async function liveHostCapsuleIds(db: Db, hostId: string): Promise<string[]> {
  const rows = await db.selectFrom("capsules").select("id").where("host_id", "=", hostId).where("status", "in", LIVE_STATUSES).orderBy("id").execute();
  return rows.map((r) => r.id);
}
