import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { insertCapsuleMetricPoints, listCapsuleMetricPoints, type Capsule, type MetricPointRow } from "@wrenn/db";
import { MetricsTier, type MetricPoint } from "@wrenn/proto/hostagent/v1";
import type { FastifyBaseLogger } from "fastify";
import type { Deps } from "../deps.js";

/** What each public range reads from the agent's rings, and the step of the answer. */
export const metricRanges = {
  "5m": { ms: 5 * 60_000, tier: MetricsTier.METRICS_TIER_1S, stepMs: 1_000 },
  "10m": { ms: 10 * 60_000, tier: MetricsTier.METRICS_TIER_1S, stepMs: 2_000 },
  "1h": { ms: 3_600_000, tier: MetricsTier.METRICS_TIER_30S, stepMs: 30_000 },
  "2h": { ms: 7_200_000, tier: MetricsTier.METRICS_TIER_30S, stepMs: 30_000 },
  "6h": { ms: 6 * 3_600_000, tier: MetricsTier.METRICS_TIER_5M, stepMs: 300_000 },
  "12h": { ms: 12 * 3_600_000, tier: MetricsTier.METRICS_TIER_5M, stepMs: 300_000 },
  "24h": { ms: 24 * 3_600_000, tier: MetricsTier.METRICS_TIER_5M, stepMs: 300_000 },
} as const;

export type MetricRange = keyof typeof metricRanges;

export interface MetricPointJson {
  ts: string;
  cpu_pct: number;
  mem_bytes: number;
  disk_bytes: number;
}

const rowOf = (p: MetricPoint): MetricPointRow => ({
  ts: new Date(p.ts ? timestampMs(p.ts) : 0),
  cpu_pct: p.cpuPct,
  mem_bytes: Number(p.memBytes),
  disk_bytes: Number(p.diskBytes),
});

/**
 * The agent's three rings as one series: every 1 s point, then 30 s buckets that end
 * before the first of those, then 5 min buckets that end before the first 30 s one.
 */
export function mergeTiers(tier1s: MetricPoint[], tier30s: MetricPoint[], tier5m: MetricPoint[]): MetricPointRow[] {
  const fine = tier1s.map(rowOf);
  const fineStart = fine[0]?.ts.getTime() ?? Number.POSITIVE_INFINITY;
  const mid = tier30s.map(rowOf).filter((p) => p.ts.getTime() + 30_000 <= fineStart);
  const midStart = Math.min(mid[0]?.ts.getTime() ?? Number.POSITIVE_INFINITY, fineStart);
  const coarse = tier5m.map(rowOf).filter((p) => p.ts.getTime() + 300_000 <= midStart);
  return [...coarse, ...mid, ...fine];
}

const isNotFound = (err: unknown): boolean => err instanceof ConnectError && err.code === Code.NotFound;

/**
 * Moves a capsule's in-memory metrics from its agent into capsule_metric_points (the
 * agent forgets them on flush, pause and destroy). Best effort: a failure is logged, never
 * thrown, because it must not block the lifecycle change it accompanies.
 */
export async function flushCapsuleMetrics(deps: Deps, capsuleId: string, log?: FastifyBaseLogger): Promise<number> {
  try {
    const flushed = await (await deps.fleet.capsuleAgent(capsuleId)).client.flushCapsuleMetrics({ capsuleId });
    const points = mergeTiers(flushed.tier1s, flushed.tier30s, flushed.tier5m);
    await insertCapsuleMetricPoints(deps.db, capsuleId, points);
    return points.length;
  } catch (err) {
    if (!isNotFound(err)) log?.warn({ err, capsuleId }, "flushing capsule metrics failed; its recent metrics are lost");
    return 0;
  }
}

/** Averages points into `stepMs` buckets (timestamped at the bucket start). */
export function bucketize(points: readonly MetricPointRow[], stepMs: number): MetricPointJson[] {
  const buckets = new Map<number, { n: number; cpu: number; mem: number; disk: number }>();
  for (const p of points) {
    const key = Math.floor(p.ts.getTime() / stepMs) * stepMs;
    const b = buckets.get(key) ?? { n: 0, cpu: 0, mem: 0, disk: 0 };
    b.n++;
    b.cpu += p.cpu_pct;
    b.mem += p.mem_bytes;
    b.disk += p.disk_bytes;
    buckets.set(key, b);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ts, b]) => ({
      ts: new Date(ts).toISOString(),
      cpu_pct: Math.round((b.cpu / b.n) * 100) / 100,
      mem_bytes: Math.round(b.mem / b.n),
      disk_bytes: Math.round(b.disk / b.n),
    }));
}

/**
 * A capsule's metrics over `range`. A running capsule's come from its agent's rings, with
 * stored points (from before a pause) filling in earlier; a paused or stopped capsule's
 * come from the database, in the window that ends when it stopped running.
 */
export async function capsuleMetrics(deps: Deps, capsule: Capsule, range: MetricRange): Promise<MetricPointJson[]> {
  const spec = metricRanges[range];
  const running = capsule.status === "running";
  const end = running ? new Date() : (capsule.stopped_at ?? capsule.paused_at ?? new Date());
  const from = new Date(end.getTime() - spec.ms);
  let live: MetricPointRow[] = [];
  if (running) {
    try {
      const { points } = await (await deps.fleet.capsuleAgent(capsule)).client.getCapsuleMetrics({ capsuleId: capsule.id, tier: spec.tier });
      live = points.map(rowOf).filter((p) => p.ts >= from);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const liveStart = live[0]?.ts ?? new Date(end.getTime() + 1);
  const stored = (await listCapsuleMetricPoints(deps.db, capsule.id, from, end)).filter((p) => p.ts < liveStart);
  return bucketize([...stored, ...live], spec.stepMs);
}
