import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { MetricPoint } from "../api/types";
import { Panel } from "../components/page";
import { RangePicker } from "../components/range-picker";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { formatBytes, formatPercent } from "../lib/format";
import { capsuleMetricRanges, findRange, type CapsuleMetricRange } from "../lib/ranges";
import { byteSteps, LineChart } from "./line-chart";

const RANGE_KEY = "wrenn.metrics.range";

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="min-w-32">
      <p className="text-[11px] uppercase tracking-wide text-ink-faint">{label}</p>
      <p className="mt-0.5 font-mono text-[18px] text-ink">{value}</p>
    </div>
  );
}

/** CPU, memory and disk of one capsule over a chosen range, refreshed while open. */
export default function MetricsTab({ capsuleId }: { capsuleId: string }) {
  const [range, setRange] = useState<CapsuleMetricRange>(() => findRange(capsuleMetricRanges, localStorage.getItem(RANGE_KEY), "5m").value);
  const option = findRange(capsuleMetricRanges, range, "5m");
  const metrics = useQuery({
    queryKey: ["metrics", capsuleId, range],
    queryFn: async () => {
      const body = await api<{ points?: MetricPoint[] } | MetricPoint[]>("GET", `/capsules/${capsuleId}/metrics`, { query: { range } });
      return Array.isArray(body) ? body : (body.points ?? []);
    },
    refetchInterval: option.refreshMs,
    placeholderData: keepPreviousData,
  });
  const choose = (r: CapsuleMetricRange): void => {
    setRange(r);
    localStorage.setItem(RANGE_KEY, r);
  };
  const points = metrics.data ?? [];
  const x = points.map((p) => Date.parse(p.ts) / 1000);
  const now = Date.now() / 1000;
  const xRange: [number, number] = [now - option.ms / 1000, now];
  const last = points[points.length - 1];

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex gap-8">
          <Stat label="CPU" value={formatPercent(last?.cpu_pct)} />
          <Stat label="Memory" value={formatBytes(last?.mem_bytes)} />
          <Stat label="Disk" value={formatBytes(last?.disk_bytes)} />
        </div>
        <RangePicker options={capsuleMetricRanges} value={range} onChange={choose} label="Metrics range" />
      </div>
      {metrics.data === undefined ? (
        metrics.error ? (
          <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} title="Could not load metrics" />
        ) : (
          <LoadingRows rows={6} label="Loading metrics" />
        )
      ) : (
        <>
          {metrics.error ? <p className="text-[12px] text-rose-300">Live refresh failed; showing the last answer.</p> : null}
          {points.length === 0 ? (
            <Panel>
              <EmptyState title="No samples in this range yet">Samples are taken every second while the capsule runs; a paused capsule records none.</EmptyState>
            </Panel>
          ) : null}
          <div className="grid gap-4 xl:grid-cols-3" data-testid="metrics-charts">
            <Panel title="CPU" bodyClassName="p-3">
              <LineChart label="CPU percent over time" x={x} xRange={xRange} ys={[points.map((p) => p.cpu_pct)]} series={[{ label: "CPU", color: "#5eead4", fill: true }]} format={(v) => `${v.toFixed(0)}%`} yRange={[0, 100]} />
            </Panel>
            <Panel title="Memory" bodyClassName="p-3">
              <LineChart label="Memory used over time" x={x} xRange={xRange} ys={[points.map((p) => p.mem_bytes)]} series={[{ label: "Memory", color: "#93c5fd", fill: true }]} format={formatBytes} steps={byteSteps} />
            </Panel>
            <Panel title="Disk" bodyClassName="p-3">
              <LineChart label="Disk used over time" x={x} xRange={xRange} ys={[points.map((p) => p.disk_bytes)]} series={[{ label: "Disk", color: "#fcd34d", fill: true }]} format={formatBytes} steps={byteSteps} />
            </Panel>
          </div>
        </>
      )}
    </div>
  );
}
