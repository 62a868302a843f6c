import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, itemsOf } from "../../api/client";
import type { ProcessInfo } from "../../api/types";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { cx } from "../../components/cx";
import { table } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";

function commandLine(p: ProcessInfo): string {
  return [p.cmd, ...(p.args ?? [])].join(" ");
}

export function ProcessesTab({ capsuleId }: { capsuleId: string }) {
  const queryClient = useQueryClient();
  const [killing, setKilling] = useState<{ p: ProcessInfo; signal: "SIGTERM" | "SIGKILL" } | null>(null);
  const processes = useQuery({
    queryKey: ["processes", capsuleId],
    queryFn: async () => {
      const list = itemsOf(await api<ProcessInfo[] | { items: ProcessInfo[] }>("GET", `/capsules/${capsuleId}/processes`));
      return [...list].sort((a, b) => a.pid - b.pid);
    },
    refetchInterval: 3000,
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-label="Processes" className="rounded-lg border border-line bg-panel">
      <div className="flex items-center justify-between border-b border-line px-4 py-2.5">
        <p className="text-[13px] text-ink-dim">Processes started through Wrenn (exec, background commands, terminals). Updates every 3 s.</p>
      </div>
      {processes.data === undefined ? (
        processes.error ? (
          <ErrorState error={processes.error} onRetry={() => void processes.refetch()} title="Could not list processes" />
        ) : (
          <LoadingRows rows={4} label="Loading processes" />
        )
      ) : processes.data.length === 0 ? (
        <EmptyState title="No processes running">Start one from the terminal, or with exec from the SDK or CLI.</EmptyState>
      ) : (
        <div className={table.wrap}>
          <table className={cx(table.table, "table-fixed")}>
            <colgroup>
              <col style={{ width: 90 }} />
              <col style={{ width: 200 }} />
              <col />
              <col style={{ width: 180 }} />
              <col style={{ width: 70 }} />
              <col style={{ width: 170 }} />
            </colgroup>
            <thead>
              <tr>
                <th className={table.th}>PID</th>
                <th className={table.th}>Tag</th>
                <th className={table.th}>Command</th>
                <th className={table.th}>Working dir</th>
                <th className={table.th}>Terminal</th>
                <th className={table.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {processes.data.map((p) => (
                <tr key={p.pid} className={table.tr}>
                  <td className={cx(table.td, "font-mono text-[12px]")}>{p.pid}</td>
                  <td className={cx(table.td, "truncate font-mono text-[12px] text-ink-dim")} title={p.tag ?? undefined}>
                    {p.tag || "—"}
                  </td>
                  <td className={cx(table.td, "truncate font-mono text-[12px]")} title={commandLine(p)}>
                    {commandLine(p)}
                  </td>
                  <td className={cx(table.td, "truncate font-mono text-[12px] text-ink-dim")} title={p.cwd}>
                    {p.cwd || "—"}
                  </td>
                  <td className={cx(table.td, "text-[12px] text-ink-dim")}>{p.pty ? "yes" : ""}</td>
                  <td className={table.td}>
                    <div className="flex justify-end gap-1.5">
                      <Button size="sm" onClick={() => setKilling({ p, signal: "SIGTERM" })} aria-label={`Stop process ${p.pid}`}>
                        Stop
                      </Button>
                      <Button size="sm" variant="danger" onClick={() => setKilling({ p, signal: "SIGKILL" })} aria-label={`Kill process ${p.pid}`}>
                        Kill
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={killing !== null}
        onClose={() => setKilling(null)}
        title={killing?.signal === "SIGKILL" ? "Kill process?" : "Stop process?"}
        body={
          <>
            Sends <span className="font-mono text-ink">{killing?.signal}</span> to PID <span className="font-mono text-ink">{killing?.p.pid}</span> (
            <span className="font-mono">{killing ? commandLine(killing.p) : ""}</span>).
          </>
        }
        confirmLabel={killing?.signal === "SIGKILL" ? "Kill" : "Stop"}
        onConfirm={async () => {
          await api("DELETE", `/capsules/${capsuleId}/processes/${killing!.p.pid}`, { query: { signal: killing!.signal } });
          await queryClient.invalidateQueries({ queryKey: ["processes", capsuleId] });
        }}
      />
    </section>
  );
}
