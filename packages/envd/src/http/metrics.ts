import { readFile, statfs } from "node:fs/promises";
import { cpus } from "node:os";
import type { HttpHandler } from "../context.js";

/** What `GET /metrics` returns; snake_case as on the wire. Memory and disk in bytes. */
export interface GuestMetricsSnapshot {
  /** Unix time in milliseconds when the snapshot was taken. */
  ts: number;
  cpu_count: number;
  /** Busy share of all CPUs over the last sampling second, 0..100. */
  cpu_used_pct: number;
  mem_total: number;
  /** `MemTotal − MemAvailable`: what the guest really uses, page cache excluded. */
  mem_used: number;
  mem_available: number;
  disk_used: number;
  disk_total: number;
  /** How often the memory reclaimer dropped the page cache since envd started. */
  page_cache_drops: number;
}

export interface MemoryUsage {
  total: number;
  available: number;
  used: number;
}

interface CpuTimes {
  total: number;
  idle: number;
}

export interface GuestMetricsOptions {
  /** Where /proc is mounted; tests point it at fixtures. */
  procRoot?: string;
  /** The filesystem whose size is reported as disk. */
  diskPath?: string;
  /** CPU use is measured over at least this long (a snapshot sooner repeats the last value). */
  minCpuWindowMs?: number;
  /** The capsule's memory limit in bytes, once /init has set it. */
  memoryLimit?: () => number | undefined;
}

/** Reads `/proc/meminfo`; `used` is `MemTotal − MemAvailable`. */
export async function readMemoryUsage(procRoot = "/proc"): Promise<MemoryUsage> {
  const text = await readFile(`${procRoot}/meminfo`, "utf8");
  return parseMeminfo(text);
}

export function parseMeminfo(text: string): MemoryUsage {
  const kib = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const total = kib("MemTotal") ?? 0;
  // Kernels before 3.14 have no MemAvailable; free + cache is the usual approximation.
  const available = kib("MemAvailable") ?? (kib("MemFree") ?? 0) + (kib("Cached") ?? 0) + (kib("Buffers") ?? 0);
  return { total, available, used: Math.max(0, total - available) };
}

/** The aggregate `cpu` line of /proc/stat; iowait counts as idle. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal; guest time is already inside user.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { total, idle };
}

/**
 * Guest metrics for the host agent: CPU use since the previous snapshot (from /proc/stat
 * deltas; the agent asks every second), memory from /proc/meminfo, disk of `/`. Nothing
 * runs in the background: every timer in an idle capsule costs the host CPU in gVisor's
 * sentry, and the agent's own polling already sets the pace.
 */
export class GuestMetrics {
  private readonly procRoot: string;
  private readonly diskPath: string;
  private readonly minCpuWindowMs: number;
  private last: { at: number; times: CpuTimes } | undefined;
  private cpuUsedPct = 0;
  private drops = 0;
  private readonly memoryLimit: () => number | undefined;

  constructor(options: GuestMetricsOptions = {}) {
    this.procRoot = options.procRoot ?? "/proc";
    this.diskPath = options.diskPath ?? "/";
    this.minCpuWindowMs = options.minCpuWindowMs ?? 250;
    this.memoryLimit = options.memoryLimit ?? (() => undefined);
  }

  /** Takes the first CPU reading, so the first snapshot already has a window to measure. */
  async start(): Promise<void> {
    await this.measureCpu();
  }

  /** Called by the reclaimer after each page-cache drop. */
  recordPageCacheDrop(): void {
    this.drops++;
  }

  get pageCacheDrops(): number {
    return this.drops;
  }

  async snapshot(): Promise<GuestMetricsSnapshot> {
    const [raw, disk] = await Promise.all([readMemoryUsage(this.procRoot), statfs(this.diskPath), this.measureCpu()]);
    // Inside a capsule MemTotal includes the host's headroom; report the capsule's limit.
    const limit = this.memoryLimit();
    const mem = limit && limit < raw.total ? { ...raw, total: limit, available: Math.max(0, limit - raw.used) } : raw;
    return {
      ts: Date.now(),
      cpu_count: cpus().length,
      cpu_used_pct: this.cpuUsedPct,
      mem_total: mem.total,
      mem_used: mem.used,
      mem_available: mem.available,
      disk_used: (disk.blocks - disk.bfree) * disk.bsize,
      disk_total: disk.blocks * disk.bsize,
      page_cache_drops: this.drops,
    };
  }

  /** CPU use since the last reading, once that is at least `minCpuWindowMs` old. */
  private async measureCpu(): Promise<void> {
    const at = performance.now();
    if (this.last && at - this.last.at < this.minCpuWindowMs) return;
    let now: CpuTimes | undefined;
    try {
      now = parseProcStat(await readFile(`${this.procRoot}/stat`, "utf8"));
    } catch {
      return;
    }
    if (!now) return;
    const prev = this.last?.times;
    this.last = { at, times: now };
    if (!prev) return;
    const total = now.total - prev.total;
    const idle = now.idle - prev.idle;
    if (total <= 0) return;
    const pct = ((total - idle) / total) * 100;
    this.cpuUsedPct = Math.round(Math.min(100, Math.max(0, pct)) * 100) / 100;
  }
}

/** `GET /metrics`. */
export const metrics: HttpHandler = async (_req, res, ctx) => {
  const body = JSON.stringify(await ctx.metrics.snapshot());
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};
