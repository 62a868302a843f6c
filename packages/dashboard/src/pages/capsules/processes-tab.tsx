import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, itemsOf } from "../../api/client";
import type { ProcessInfo } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { DataTable } from "../../components/data-table";
import { EmptyState } from "../../components/states";

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
      <DataTable
        query={processes}
        errorTitle="Could not list processes"
        loadingRows={4}
        loadingLabel="Loading processes"
        empty={<EmptyState title="No processes running">Start one from the terminal, or with exec from the SDK or CLI.</EmptyState>}
        rowKey={(p) => String(p.pid)}
        columns={[
          { key: "pid", header: "PID", width: 90, className: "font-mono text-[12px]", cell: (p) => p.pid },
          { key: "tag", header: "Tag", width: 200, className: "truncate font-mono text-[12px] text-ink-dim", title: (p) => p.tag ?? undefined, cell: (p) => p.tag || "—" },
          { key: "command", header: "Command", className: "truncate font-mono text-[12px]", title: commandLine, cell: commandLine },
          { key: "cwd", header: "Working dir", width: 180, className: "truncate font-mono text-[12px] text-ink-dim", title: (p) => p.cwd, cell: (p) => p.cwd || "—" },
          { key: "pty", header: "Terminal", width: 70, className: "text-[12px] text-ink-dim", cell: (p) => (p.pty ? "yes" : "") },
        ]}
        actionsWidth={170}
        actions={(p) => [
          { label: "Stop", ariaLabel: `Stop process ${p.pid}`, onClick: () => setKilling({ p, signal: "SIGTERM" }) },
          { label: "Kill", ariaLabel: `Kill process ${p.pid}`, danger: true, onClick: () => setKilling({ p, signal: "SIGKILL" }) },
        ]}
      />
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
