/** Time ranges the metrics endpoints accept, with how often a chart of that range refreshes. */

export interface RangeOption<R extends string = string> {
  value: R;
  label: string;
  ms: number;
  /** Live refresh period while the chart is visible. */
  refreshMs: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

export const capsuleMetricRanges = [
  { value: "5m", label: "5m", ms: 5 * MIN, refreshMs: 2000 },
  { value: "10m", label: "10m", ms: 10 * MIN, refreshMs: 3000 },
  { value: "1h", label: "1h", ms: HOUR, refreshMs: 15_000 },
  { value: "2h", label: "2h", ms: 2 * HOUR, refreshMs: 30_000 },
  { value: "6h", label: "6h", ms: 6 * HOUR, refreshMs: 60_000 },
  { value: "12h", label: "12h", ms: 12 * HOUR, refreshMs: 60_000 },
  { value: "24h", label: "24h", ms: 24 * HOUR, refreshMs: 60_000 },
] as const satisfies readonly RangeOption[];

export type CapsuleMetricRange = (typeof capsuleMetricRanges)[number]["value"];

export const teamStatsRanges = [
  { value: "5m", label: "5m", ms: 5 * MIN, refreshMs: 5000 },
  { value: "1h", label: "1h", ms: HOUR, refreshMs: 30_000 },
  { value: "6h", label: "6h", ms: 6 * HOUR, refreshMs: 60_000 },
  { value: "24h", label: "24h", ms: 24 * HOUR, refreshMs: 60_000 },
  { value: "30d", label: "30d", ms: 30 * 24 * HOUR, refreshMs: 300_000 },
] as const satisfies readonly RangeOption[];

export type TeamStatsRange = (typeof teamStatsRanges)[number]["value"];

export function findRange<R extends string>(options: readonly RangeOption<R>[], value: string | null | undefined, fallback: R): RangeOption<R> {
  return options.find((o) => o.value === value) ?? options.find((o) => o.value === fallback) ?? (options[0] as RangeOption<R>);
}

/** The option after moving `delta` steps from `current`, clamped to the ends (arrow keys). */
export function stepRange<R extends string>(options: readonly RangeOption<R>[], current: R, delta: number): R {
  const i = options.findIndex((o) => o.value === current);
  const next = Math.min(options.length - 1, Math.max(0, (i < 0 ? 0 : i) + delta));
  return (options[next] as RangeOption<R>).value;
}
