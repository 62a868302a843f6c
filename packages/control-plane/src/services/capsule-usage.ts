import {
  insertTeamSnapshots,
  listDailyUsage,
  pruneTeamSnapshots,
  rollupDailyUsage,
  runningTotalsByTeam,
  teamSnapshotSeries,
  type DailyUsageRow,
} from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import type { Deps } from "../deps.js";
import { startLeasedWorker } from "./fleet/leased-worker.js";

/** Seconds between team samples; each sample stands for this much usage in the daily rollup. */
export const TEAM_SAMPLE_SEC = 10;
const ROLLUP_EVERY_MS = 5 * 60_000;
const KEEP_SAMPLES_MS = 31 * 86_400_000;
const DAY_MS = 86_400_000;

/** Each stats range and the bucket its series is cut into (peaks per bucket). */
export const statsRanges = {
  "5m": { ms: 5 * 60_000, stepMs: 10_000 },
  "1h": { ms: 3_600_000, stepMs: 60_000 },
  "6h": { ms: 6 * 3_600_000, stepMs: 5 * 60_000 },
  "24h": { ms: DAY_MS, stepMs: 15 * 60_000 },
  "30d": { ms: 30 * DAY_MS, stepMs: 6 * 3_600_000 },
} as const;

export type StatsRange = keyof typeof statsRanges;

export interface TeamTotals {
  running: number;
  vcpus: number;
  memory_mb: number;
}

export interface TeamStats {
  range: StatsRange;
  current: TeamTotals;
  points: (TeamTotals & { ts: string })[];
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A team's totals now and its sampled history over `range`; buckets without samples read 0. */
export async function teamStats(deps: Deps, teamId: string, range: StatsRange): Promise<TeamStats> {
  const { ms, stepMs } = statsRanges[range];
  const now = Date.now();
  const first = Math.floor((now - ms) / stepMs) * stepMs + stepMs;
  const [totals, series] = await Promise.all([runningTotalsByTeam(deps.db, teamId), teamSnapshotSeries(deps.db, teamId, new Date(first), stepMs / 1000)]);
  const byTs = new Map(series.map((p) => [p.ts.getTime(), p]));
  const points: TeamStats["points"] = [];
  for (let ts = first; ts <= now; ts += stepMs) {
    const p = byTs.get(ts);
    points.push({ ts: new Date(ts).toISOString(), running: p?.running ?? 0, vcpus: p?.vcpus ?? 0, memory_mb: p?.memory_mb ?? 0 });
  }
  const current = totals[0] ?? { running: 0, vcpus: 0, memory_mb: 0 };
  return { range, current: { running: current.running, vcpus: current.vcpus, memory_mb: current.memory_mb }, points };
}

/**
 * Seconds of usage one team sample stands for: the sampling interval (samples land on
 * TEAM_SAMPLE_SEC boundaries, so a shorter interval still yields one sample per boundary).
 */
export function sampleWeightSec(deps: Deps): number {
  return Math.max(TEAM_SAMPLE_SEC, deps.config.teamSampleIntervalSec);
}

/** Recomputes every team's daily usage for one UTC day ('YYYY-MM-DD') from the team samples. */
export async function rollupUsage(deps: Deps, day: string): Promise<void> {
  await rollupDailyUsage(deps.db, day, sampleWeightSec(deps));
}

export async function teamUsage(deps: Deps, teamId: string, from: string, to: string): Promise<DailyUsageRow[]> {
  return listDailyUsage(deps.db, teamId, from, to);
}

export interface TeamSampler {
  /** One sample now (and a rollup when one is due); tests call this instead of waiting. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Samples every team's running totals every TEAM_SAMPLE_SEC into team_metric_snapshots,
 * rolls today's (and, just after midnight, yesterday's) usage every few minutes and drops
 * samples older than a month. A failed pass is logged; the timer keeps going.
 */
export function startTeamSampler(deps: Deps, options: { intervalMs?: number; log?: FastifyBaseLogger } = {}): TeamSampler {
  const log = options.log ?? pino({ level: deps.config.logLevel, name: "team-sampler" });
  let lastRollup = 0;

  const pass = async (): Promise<void> => {
    const now = Date.now();
    const ts = new Date(Math.floor(now / (TEAM_SAMPLE_SEC * 1000)) * TEAM_SAMPLE_SEC * 1000);
    const totals = await runningTotalsByTeam(deps.db);
    await insertTeamSnapshots(deps.db, totals.map((t) => ({ ...t, ts })));
    if (now - lastRollup >= ROLLUP_EVERY_MS) {
      // The first rollup after midnight also settles the day that just ended.
      if (utcDay(lastRollup) !== utcDay(now)) await rollupUsage(deps, utcDay(now - DAY_MS));
      await rollupUsage(deps, utcDay(now));
      await pruneTeamSnapshots(deps.db, new Date(now - KEEP_SAMPLES_MS));
      lastRollup = now;
    }
  };
  // One replica samples at a time, or usage would be counted once per replica.
  return startLeasedWorker(deps, { name: "team-sampler", intervalMs: options.intervalMs ?? TEAM_SAMPLE_SEC * 1000, log, run: pass });
}
