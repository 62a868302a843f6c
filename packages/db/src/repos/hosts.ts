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

/** What placement needs, read in one query. */
export interface PlacementView {
  /** Every host not deleted, oldest first. */
  hosts: Host[];
  /** What each host holds, from the capsule rows (pending counts as running: it is being placed there). */
  loads: Map<string, HostLoad>;
  /** Whether the team may use its own hosts (false for no team). */
  teamIsByoc: boolean;
}

export async function placementView(db: Db, teamId: string | null): Promise<PlacementView> {
  const sum = (column: "vcpus" | "memory_mb" | "disk_mb" | "count", paused: boolean) => {
    const which = paused ? sql`c.status = 'paused'` : sql`c.status <> 'paused'`;
    return column === "count" ? sql<string>`count(*) FILTER (WHERE ${which})` : sql<string>`coalesce(sum(c.${sql.ref(column)}) FILTER (WHERE ${which}), 0)`;
  };
  const rows = await db
    .selectFrom("hosts")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("capsules as c")
          .select([
            sum("vcpus", false).as("r_vcpus"),
            sum("memory_mb", false).as("r_memory_mb"),
            sum("disk_mb", false).as("r_disk_mb"),
            sum("count", false).as("r_count"),
            sum("vcpus", true).as("p_vcpus"),
            sum("memory_mb", true).as("p_memory_mb"),
            sum("disk_mb", true).as("p_disk_mb"),
            sum("count", true).as("p_count"),
          ])
          .whereRef("c.host_id", "=", "hosts.id")
          .where("c.status", "in", ["pending", "running", "paused"])
          .as("l"),
      (join) => join.onTrue(),
    )
    .selectAll("hosts")
    .select([
      sql<boolean>`coalesce((SELECT t.is_byoc FROM teams t WHERE t.id = ${teamId}), false)`.as("team_is_byoc"),
      "l.r_vcpus",
      "l.r_memory_mb",
      "l.r_disk_mb",
      "l.r_count",
      "l.p_vcpus",
      "l.p_memory_mb",
      "l.p_disk_mb",
      "l.p_count",
    ])
    .where("hosts.deleted_at", "is", null)
    .orderBy("hosts.created_at")
    .orderBy("hosts.id")
    .execute();
  const view: PlacementView = { hosts: [], loads: new Map(), teamIsByoc: false };
  for (const { team_is_byoc, r_vcpus, r_memory_mb, r_disk_mb, r_count, p_vcpus, p_memory_mb, p_disk_mb, p_count, ...host } of rows) {
    view.teamIsByoc = team_is_byoc;
    view.hosts.push(host);
    if (Number(r_count) + Number(p_count) === 0) continue;
    view.loads.set(host.id, {
      hostId: host.id,
      running: { vcpus: Number(r_vcpus), memoryMb: Number(r_memory_mb), diskMb: Number(r_disk_mb), count: Number(r_count) },
      paused: { vcpus: Number(p_vcpus), memoryMb: Number(p_memory_mb), diskMb: Number(p_disk_mb), count: Number(p_count) },
    });
  }
  return view;
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
