import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { Template } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { cx } from "../components/cx";
import { Icon } from "../components/icons";
import { Mono, PageHeader, Panel, table } from "../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { useNow } from "../hooks/use-now";
import { formatAge, formatBytes, formatMb, formatTime } from "../lib/format";
import { CreateCapsuleDialog } from "./capsules/create-dialog";
import { BuildsPanel } from "./builds/builds-panel";
import { useTemplates } from "./capsules/queries";

function TemplateTable({ rows, kind, onCreate, onDelete }: { rows: Template[]; kind: "builtin" | "snapshot"; onCreate: (name: string) => void; onDelete?: (name: string) => void }) {
  const now = useNow(30_000);
  return (
    <div className={table.wrap}>
      <table className={cx(table.table, "table-fixed")}>
        <colgroup>
          <col />
          <col style={{ width: 150 }} />
          <col style={{ width: 140 }} />
          <col style={{ width: 100 }} />
          <col style={{ width: 130 }} />
          <col style={{ width: kind === "snapshot" ? 220 : 140 }} />
        </colgroup>
        <thead>
          <tr>
            <th className={table.th}>Name</th>
            <th className={table.th}>Based on</th>
            <th className={table.th}>Default size</th>
            <th className={cx(table.th, "text-right")}>Disk</th>
            <th className={table.th}>Created</th>
            <th className={table.th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.name} className={table.tr} data-template={t.name}>
              <td className={cx(table.td, "overflow-hidden")}>
                <Mono className="text-ink">{t.name}</Mono>
              </td>
              <td className={cx(table.td, "truncate")}>
                <Mono className="text-ink-dim">{t.base_template || "—"}</Mono>
              </td>
              <td className={table.td}>
                <Mono className="text-ink-dim">{t.vcpus ? `${t.vcpus} · ${formatMb(t.memory_mb ?? 0)}` : "—"}</Mono>
              </td>
              <td className={cx(table.td, "text-right font-mono text-[12px] text-ink-dim")}>{t.size_bytes ? formatBytes(t.size_bytes) : "—"}</td>
              <td className={cx(table.td, "text-ink-dim")} title={formatTime(t.created_at)}>
                {t.created_at ? formatAge(t.created_at, now) : "—"}
              </td>
              <td className={table.td}>
                <div className="flex justify-end gap-1.5">
                  <Button size="sm" onClick={() => onCreate(t.name)} aria-label={`Create a capsule from ${t.name}`}>
                    Create capsule
                  </Button>
                  {onDelete ? (
                    <Button size="sm" variant="danger" onClick={() => onDelete(t.name)} aria-label={`Delete snapshot ${t.name}`}>
                      Delete
                    </Button>
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TemplatesPage() {
  const templates = useTemplates();
  const queryClient = useQueryClient();
  const [createFrom, setCreateFrom] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const all = templates.data;
  const builtins = all?.filter((t) => t.type !== "snapshot") ?? [];
  const snapshots = all?.filter((t) => t.type === "snapshot") ?? [];
  const section = (rows: Template[], kind: "builtin" | "snapshot") =>
    all === undefined ? (
      templates.error ? (
        <ErrorState error={templates.error} onRetry={() => void templates.refetch()} title="Could not list templates" />
      ) : (
        <LoadingRows rows={3} />
      )
    ) : rows.length === 0 ? (
      kind === "snapshot" ? (
        <EmptyState title="No snapshots yet">Snapshot a running capsule (from the capsule list or its page) to save its memory and disk as a template.</EmptyState>
      ) : (
        <EmptyState title="No built-in templates">The host has no images yet. An operator adds them on the host.</EmptyState>
      )
    ) : (
      <TemplateTable rows={rows} kind={kind} onCreate={setCreateFrom} onDelete={kind === "snapshot" ? setDeleting : undefined} />
    );
  return (
    <>
      <PageHeader
        title="Templates"
        description="What new capsules start from: built-in images, your team's snapshots and built templates."
        actions={
          <Button variant="ghost" icon={<Icon name="refresh" />} onClick={() => void templates.refetch()}>
            Refresh
          </Button>
        }
      />
      <Panel title="Team snapshots">{section(snapshots, "snapshot")}</Panel>
      <Panel title="Built-in" className="mt-5">
        {section(builtins, "builtin")}
      </Panel>
      <BuildsPanel templates={all ?? []} />
      <CreateCapsuleDialog open={createFrom !== null} onClose={() => setCreateFrom(null)} initialTemplate={createFrom ?? undefined} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete snapshot?"
        body={
          <>
            The template <span className="font-mono text-ink">{deleting}</span> will be deleted. Capsules already running from it keep running.
          </>
        }
        confirmLabel="Delete snapshot"
        onConfirm={async () => {
          await api("DELETE", `/snapshots/${encodeURIComponent(deleting!)}`);
          await queryClient.invalidateQueries({ queryKey: ["snapshots"] });
        }}
      />
    </>
  );
}
