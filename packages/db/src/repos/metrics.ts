import { sql, type Kysely } from "kysely";
import type { Database } from "../schema.js";

type Db = Kysely<Database>;

export interface MetricPointRow {
  ts: Date;
  cpu_pct: number;
  mem_bytes: number;
  disk_bytes: number;
}

/** Stores flushed points; a point already stored (same capsule and time) is kept as is. */
export async function insertCapsuleMetricPoints(db: Db, capsuleId: string, points: readonly MetricPointRow[]): Promise<void> {
  // 1000 rows x 5 parameters stays far below PostgreSQL's 65535-parameter limit.
  for (let i = 0; i < points.length; i += 1000) {
    const rows = points.slice(i, i + 1000).map((p) => ({ capsule_id: capsuleId, ts: p.ts, cpu_pct: p.cpu_pct, mem_bytes: p.mem_bytes, disk_bytes: p.disk_bytes }));
    await db.insertInto("capsule_metric_points").values(rows).onConflict((oc) => oc.columns(["capsule_id", "ts"]).doNothing()).execute();
  }
}

/** A capsule's stored points with `from <= ts <= to`, oldest first. */
export async function listCapsuleMetricPoints(db: Db, capsuleId: string, from: Date, to: Date): Promise<MetricPointRow[]> {
  const rows = await db
    .selectFrom("capsule_metric_points")
    .selectAll()
    .where("capsule_id", "=", capsuleId)
    .where("ts", ">=", from)
    .where("ts", "<=", to)
    .orderBy("ts")
    .execute();
  return rows.map((r) => ({ ts: r.ts, cpu_pct: r.cpu_pct, mem_bytes: Number(r.mem_bytes), disk_bytes: Number(r.disk_bytes) }));
}

export interface TeamSnapshotRow {
  team_id: string;
  ts: Date;
  running: number;
  vcpus: number;
  memory_mb: number;
}

/** One sample per team and time; a second sampler writing the same instant is ignored. */
export async function insertTeamSnapshots(db: Db, rows: readonly TeamSnapshotRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("team_metric_snapshots")
    .values(rows.map((r) => ({ ...r })))
    // The latest sample of a bucket wins (another replica, or a pass after a change).
    .onConflict((oc) =>
      oc.columns(["team_id", "ts"]).doUpdateSet((eb) => ({
        running: eb.ref("excluded.running"),
        vcpus: eb.ref("excluded.vcpus"),
        memory_mb: eb.ref("excluded.memory_mb"),
      })),
    )
    .execute();
}

export interface TeamSeriesPoint {
  ts: Date;
  running: number;
  vcpus: number;
  memory_mb: number;
}

/** A team's samples since `from`, as the peak of each `stepSec` bucket (buckets without samples are absent). */
export async function teamSnapshotSeries(db: Db, teamId: string, from: Date, stepSec: number): Promise<TeamSeriesPoint[]> {
  const bucket = sql<Date>`to_timestamp(floor(extract(epoch from ts) / ${stepSec}) * ${stepSec})`;
  const rows = await db
    .selectFrom("team_metric_snapshots")
    .select((eb) => [
      bucket.as("bucket"),
      eb.fn.max("running").as("running"),
      eb.fn.max("vcpus").as("vcpus"),
      eb.fn.max("memory_mb").as("memory_mb"),
    ])
    .where("team_id", "=", teamId)
    .where("ts", ">=", from)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({ ts: new Date(r.bucket), running: Number(r.running), vcpus: Number(r.vcpus), memory_mb: Number(r.memory_mb) }));
}

export async function pruneTeamSnapshots(db: Db, before: Date): Promise<void> {
  await db.deleteFrom("team_metric_snapshots").where("ts", "<", before).execute();
}

/**
 * Recomputes every team's usage of one UTC day from its samples: each sample stands for
 * `sampleSec` seconds of the vCPUs and memory the team's running capsules held. Idempotent.
 */
export async function rollupDailyUsage(db: Db, day: string, sampleSec: number): Promise<void> {
  const start = new Date(`${day}T00:00:00.000Z`);
  const end = new Date(start.getTime() + 86_400_000);
  const minutes = sampleSec / 60;
  await db
    .insertInto("daily_usage")
    .columns(["team_id", "day", "cpu_minutes", "ram_mb_minutes"])
    .expression((eb) =>
      eb
        .selectFrom("team_metric_snapshots")
        .select([
          "team_id",
          sql<string>`${day}::date`.as("day"),
          sql<number>`sum(vcpus) * ${minutes}::float8`.as("cpu_minutes"),
          sql<number>`sum(memory_mb) * ${minutes}::float8`.as("ram_mb_minutes"),
        ])
        .where("ts", ">=", start)
        .where("ts", "<", end)
        .groupBy("team_id"),
    )
    .onConflict((oc) =>
      oc.columns(["team_id", "day"]).doUpdateSet((eb) => ({
        cpu_minutes: eb.ref("excluded.cpu_minutes"),
        ram_mb_minutes: eb.ref("excluded.ram_mb_minutes"),
      })),
    )
    .execute();
}

export interface DailyUsageRow {
  day: string;
  cpu_minutes: number;
  ram_mb_minutes: number;
}

/** A team's daily usage rows with `from <= day <= to` ('YYYY-MM-DD'), oldest first. */
export async function listDailyUsage(db: Db, teamId: string, from: string, to: string): Promise<DailyUsageRow[]> {
  return db
    .selectFrom("daily_usage")
    .select(["day", "cpu_minutes", "ram_mb_minutes"])
    .where("team_id", "=", teamId)
    .where("day", ">=", from)
    .where("day", "<=", to)
    .orderBy("day")
    .execute();
}
