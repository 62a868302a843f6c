import type { EnvdConnection } from "../envd/connection.js";
import { fetchGuestMetrics } from "../envd/metrics.js";
import { MetricsRings, type MetricPoint, type Tier } from "./ring.js";

/** What the sampler needs from the capsule manager. */
export interface SamplerSource {
  /**
   * The capsules to sample now — running ones only — with their envd connection. Must
   * not mark them active: sampling never keeps a capsule from auto-pausing.
   */
  running(): Iterable<{ id: string; envd: EnvdConnection }>;
  /** Bytes in the capsule's writable layer. */
  diskUsage(id: string): Promise<number>;
}

export interface SamplerOptions {
  intervalMs?: number;
  /** Per-capsule budget for one `GET /metrics`; a capsule that misses it skips a sample. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Every second, asks each running capsule's envd for its guest metrics and keeps them in
 * that capsule's rings (1 s / 30 s / 5 min). The request rides the capsule's one HTTP/2
 * connection to envd, so the sampler opens no connection of its own: when the manager
 * calls `EnvdConnection.close()` before a checkpoint, nothing of the sampler's stays open
 * (a paused capsule is not `running`, so it is not sampled again until it resumes).
 */
export class MetricsSampler {
  private readonly rings = new Map<string, MetricsRings>();
  private readonly lastDisk = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly source: SamplerSource,
    options: SamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? Math.min(800, this.intervalMs);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // A slow round is never stacked on another.
      if (!this.round) this.round = this.sampleOnce().finally(() => (this.round = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and waits for a round in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One sample of every running capsule; failures skip that capsule's sample. */
  async sampleOnce(): Promise<void> {
    await Promise.all([...this.source.running()].map(({ id, envd }) => this.sample(id, envd)));
  }

  /** The points held for a capsule (none for a capsule never sampled). */
  get(id: string, tier: Tier): MetricPoint[] {
    return this.rings.get(id)?.get(tier) ?? [];
  }

  /** Everything held for a capsule, then empty (for pause and destroy). */
  flush(id: string): Record<Tier, MetricPoint[]> {
    return this.rings.get(id)?.flush() ?? { "1s": [], "30s": [], "5m": [] };
  }

  /** Forgets a capsule (after destroy). */
  drop(id: string): void {
    this.rings.delete(id);
    this.lastDisk.delete(id);
  }

  private async sample(id: string, envd: EnvdConnection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const [guest, disk] = await Promise.allSettled([fetchGuestMetrics(envd, signal), this.source.diskUsage(id)]);
    if (guest.status === "rejected") return;
    // A disk measurement that fails keeps the last known size rather than dropping to 0.
    const diskBytes = disk.status === "fulfilled" ? disk.value : (this.lastDisk.get(id) ?? 0);
    this.lastDisk.set(id, diskBytes);
    let rings = this.rings.get(id);
    if (!rings) this.rings.set(id, (rings = new MetricsRings()));
    rings.add({ ts: this.now(), cpuPct: guest.value.cpuUsedPct, memBytes: guest.value.memUsed, diskBytes });
  }
}

