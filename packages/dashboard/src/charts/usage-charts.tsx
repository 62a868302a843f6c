import type { DailyUsage, TeamStats } from "../api/types";
import { Panel } from "../components/page";
import { formatMb, formatNumber } from "../lib/format";
import { countSteps, LineChart, mbSteps } from "./line-chart";

/** Team totals over time (peaks per bucket). */
export function StatsCharts({ stats, rangeMs }: { stats: TeamStats; rangeMs: number }) {
  const x = stats.points.map((p) => Date.parse(p.ts) / 1000);
  const now = Date.now() / 1000;
  const xRange: [number, number] = [now - rangeMs / 1000, now];
  return (
    <div className="grid gap-4 xl:grid-cols-3">
      <Panel title="Running capsules" bodyClassName="p-3">
        <LineChart steps={countSteps} label="Running capsules over time" x={x} xRange={xRange} ys={[stats.points.map((p) => p.running)]} series={[{ label: "Running", color: "#5eead4", fill: true }]} format={(v) => formatNumber(v)} />
      </Panel>
      <Panel title="vCPUs in use" bodyClassName="p-3">
        <LineChart steps={countSteps} label="vCPUs in use over time" x={x} xRange={xRange} ys={[stats.points.map((p) => p.vcpus)]} series={[{ label: "vCPUs", color: "#93c5fd", fill: true }]} format={(v) => formatNumber(v)} />
      </Panel>
      <Panel title="Memory allocated" bodyClassName="p-3">
        <LineChart steps={mbSteps} label="Memory allocated over time" x={x} xRange={xRange} ys={[stats.points.map((p) => p.memory_mb)]} series={[{ label: "Memory", color: "#fcd34d", fill: true }]} format={(v) => formatMb(v)} />
      </Panel>
    </div>
  );
}

/** Daily CPU-minutes and RAM (GiB-minutes) as bars. */
export function DailyCharts({ days }: { days: DailyUsage[] }) {
  const x = days.map((d) => Date.parse(`${d.day}T12:00:00Z`) / 1000);
  // Half a day either side, so the first and last bars are whole.
  const xRange: [number, number] | undefined = x.length ? [x[0]! - 43_200, x[x.length - 1]! + 43_200] : undefined;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Panel title="CPU-minutes per day" bodyClassName="p-3">
        <LineChart label="CPU minutes per day" bars x={x} xRange={xRange} ys={[days.map((d) => d.cpu_minutes)]} series={[{ label: "CPU-minutes", color: "#5eead4" }]} format={(v) => formatNumber(v)} />
      </Panel>
      <Panel title="RAM GiB-minutes per day" bodyClassName="p-3">
        <LineChart label="RAM GiB minutes per day" bars x={x} xRange={xRange} ys={[days.map((d) => d.ram_mb_minutes / 1024)]} series={[{ label: "GiB-minutes", color: "#fcd34d" }]} format={(v) => formatNumber(v)} />
      </Panel>
    </div>
  );
}
