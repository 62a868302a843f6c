import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { api } from "../api/client";
import type { DailyUsage, TeamStats } from "../api/types";
import { PageHeader, Panel, table } from "../components/page";
import { RangePicker } from "../components/range-picker";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { formatMb, formatNumber } from "../lib/format";
import { findRange, teamStatsRanges, type TeamStatsRange } from "../lib/ranges";

const StatsCharts = lazy(() => import("../charts/usage-charts").then((m) => ({ default: m.StatsCharts })));
const DailyCharts = lazy(() => import("../charts/usage-charts").then((m) => ({ default: m.DailyCharts })));

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function Total({ label, value, unit }: { label: string; value: string; unit?: string }) {
  return (
    <div className="rounded-lg border border-line bg-panel px-4 py-3">
      <p className="text-[11px] uppercase tracking-wide text-ink-faint">{label}</p>
      <p className="mt-1 font-mono text-[22px] text-ink">
        {value}
        {unit ? <span className="ml-1 text-[13px] text-ink-faint">{unit}</span> : null}
      </p>
    </div>
  );
}

export function UsagePage() {
  const [range, setRange] = useState<TeamStatsRange>("1h");
  const option = findRange(teamStatsRanges, range, "1h");
  const stats = useQuery({
    queryKey: ["stats", range],
    queryFn: () => api<TeamStats>("GET", "/capsules/stats", { query: { range } }),
    refetchInterval: option.refreshMs,
    placeholderData: keepPreviousData,
  });
  const to = isoDay(Date.now());
  const from = isoDay(Date.now() - 29 * DAY_MS);
  const usage = useQuery({
    queryKey: ["usage", from, to],
    queryFn: async () => {
      const body = await api<{ items?: DailyUsage[]; days?: DailyUsage[] } | DailyUsage[]>("GET", "/capsules/usage", { query: { from, to } });
      return Array.isArray(body) ? body : (body.days ?? body.items ?? []);
    },
    refetchInterval: 300_000,
  });
  const totals = usage.data?.reduce((a, d) => ({ cpu: a.cpu + d.cpu_minutes, ram: a.ram + d.ram_mb_minutes }), { cpu: 0, ram: 0 });

  return (
    <>
      <PageHeader title="Usage" description="What this team runs now, over time, and per day." />
      {stats.data === undefined && stats.error ? <ErrorState error={stats.error} onRetry={() => void stats.refetch()} title="Could not load team statistics" /> : null}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-5">
        <Total label="Running now" value={stats.data ? formatNumber(stats.data.current.running) : "—"} />
        <Total label="vCPUs now" value={stats.data ? formatNumber(stats.data.current.vcpus) : "—"} />
        <Total label="Memory now" value={stats.data ? formatMb(stats.data.current.memory_mb) : "—"} />
        <Total label="CPU-minutes, 30 days" value={totals ? formatNumber(totals.cpu) : "—"} />
        <Total label="RAM GiB-minutes, 30 days" value={totals ? formatNumber(totals.ram / 1024) : "—"} />
      </div>
      <div className="mb-3 mt-7 flex items-center justify-between">
        <h2 className="text-[14px] font-semibold">Over time</h2>
        <RangePicker options={teamStatsRanges} value={range} onChange={setRange} label="Statistics range" />
      </div>
      {stats.data === undefined ? (
        stats.error ? null : <LoadingRows rows={5} />
      ) : (
        <Suspense fallback={<LoadingRows rows={5} label="Loading charts" />}>
          <StatsCharts stats={stats.data} rangeMs={option.ms} />
        </Suspense>
      )}
      <h2 className="mb-3 mt-7 text-[14px] font-semibold">Per day (last 30 days, UTC)</h2>
      {usage.data === undefined ? (
        usage.error ? (
          <ErrorState error={usage.error} onRetry={() => void usage.refetch()} title="Could not load daily usage" />
        ) : (
          <LoadingRows rows={5} />
        )
      ) : usage.data.length === 0 ? (
        <Panel>
          <EmptyState title="No usage recorded yet">Daily totals are rolled up every few minutes while capsules run.</EmptyState>
        </Panel>
      ) : (
        <>
          <Suspense fallback={<LoadingRows rows={5} label="Loading charts" />}>
            <DailyCharts days={usage.data} />
          </Suspense>
          <Panel className="mt-4">
            <table className={table.table}>
              <thead>
                <tr>
                  <th className={table.th}>Day</th>
                  <th className={`${table.th} text-right`}>CPU-minutes</th>
                  <th className={`${table.th} text-right`}>RAM GiB-minutes</th>
                </tr>
              </thead>
              <tbody>
                {[...usage.data].reverse().map((d) => (
                  <tr key={d.day} className={table.tr}>
                    <td className={`${table.td} font-mono text-[12px]`}>{d.day}</td>
                    <td className={`${table.td} text-right font-mono text-[12px]`}>{formatNumber(d.cpu_minutes)}</td>
                    <td className={`${table.td} text-right font-mono text-[12px]`}>{formatNumber(d.ram_mb_minutes / 1024)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        </>
      )}
    </>
  );
}
