/** One metrics sample of a capsule. */
export interface MetricPoint {
  ts: number;
  cpuPct: number;
  memBytes: number;
  diskBytes: number;
}

/** Fixed-capacity ring buffer: the newest `capacity` items, oldest first on read. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
  }

  get length(): number {
    return this.count;
  }
}

export type Tier = "1s" | "30s" | "5m";

const tiers: Record<Tier, { stepMs: number; capacity: number }> = {
  "1s": { stepMs: 1000, capacity: 600 }, // 10 minutes
  "30s": { stepMs: 30_000, capacity: 240 }, // 2 hours
  "5m": { stepMs: 300_000, capacity: 288 }, // 24 hours
};

/**
 * A capsule's metrics at three resolutions. Every 1 s sample lands in the fine ring;
 * coarser rings get the average of the samples in each of their steps.
 */
export class MetricsRings {
  private readonly rings = {
    "1s": new Ring<MetricPoint>(tiers["1s"].capacity),
    "30s": new Ring<MetricPoint>(tiers["30s"].capacity),
    "5m": new Ring<MetricPoint>(tiers["5m"].capacity),
  };
  private readonly pending: Record<"30s" | "5m", MetricPoint[]> = { "30s": [], "5m": [] };

  add(point: MetricPoint): void {
    this.rings["1s"].push(point);
    for (const tier of ["30s", "5m"] as const) {
      const bucket = this.pending[tier];
      const step = tiers[tier].stepMs;
      if (bucket.length > 0 && Math.floor(bucket[0]!.ts / step) !== Math.floor(point.ts / step)) {
        this.rings[tier].push(average(bucket, Math.floor(bucket[0]!.ts / step) * step));
        bucket.length = 0;
      }
      bucket.push(point);
    }
  }

  get(tier: Tier): MetricPoint[] {
    return this.rings[tier].toArray();
  }

  /** Everything held, then empty (used when a capsule pauses or is destroyed). */
  flush(): Record<Tier, MetricPoint[]> {
    for (const tier of ["30s", "5m"] as const) {
      const bucket = this.pending[tier];
      if (bucket.length > 0) {
        const step = tiers[tier].stepMs;
        this.rings[tier].push(average(bucket, Math.floor(bucket[0]!.ts / step) * step));
        bucket.length = 0;
      }
    }
    const out = { "1s": this.get("1s"), "30s": this.get("30s"), "5m": this.get("5m") };
    for (const ring of Object.values(this.rings)) ring.clear();
    return out;
  }
}

function average(points: MetricPoint[], ts: number): MetricPoint {
  const n = points.length;
  const sum = points.reduce(
    (acc, p) => ({ cpuPct: acc.cpuPct + p.cpuPct, memBytes: acc.memBytes + p.memBytes, diskBytes: acc.diskBytes + p.diskBytes }),
    { cpuPct: 0, memBytes: 0, diskBytes: 0 },
  );
  return { ts, cpuPct: sum.cpuPct / n, memBytes: Math.round(sum.memBytes / n), diskBytes: Math.round(sum.diskBytes / n) };
}
