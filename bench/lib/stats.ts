/** Summary statistics for latency samples, in the units given (usually ms). */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest-rank percentile.
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    min: round(sorted[0]!),
    p50: round(pct(50)),
    p95: round(pct(95)),
    p99: round(pct(99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(mean),
  };
}

/** Times `fn` `n` times after `warmup` untimed runs; returns milliseconds per call. */
export async function timeIt(n: number, fn: () => Promise<unknown>, warmup = Math.min(20, n)): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return summarize(samples);
}

/** Prints one benchmark result as a single JSON line on stdout. */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(result) + "\n");
}
