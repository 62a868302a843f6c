/** One `Server-Timing` metric: its name, its duration in ms (absent: left out), what it covers. */
export type TimingEntry = [name: string, ms: number | undefined, desc: string];

/**
 * A `Server-Timing` header value of the entries that have a duration. Descriptions carry no
 * commas, so naive parsers that split on them still work.
 */
export function serverTimingHeader(entries: TimingEntry[]): string {
  return entries.flatMap(([name, ms, desc]) => (ms === undefined ? [] : [`${name};dur=${ms.toFixed(2)};desc="${desc}"`])).join(", ");
}
