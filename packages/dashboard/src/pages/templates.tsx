import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { Template } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { DataTable, type Column } from "../components/data-table";
import { Icon } from "../components/icons";
import { Mono, PageHeader, Panel } from "../components/page";
import { EmptyState } from "../components/states";
import { useNow } from "../hooks/use-now";
import { formatAge, formatBytes, formatMb, formatTime } from "../lib/format";
import { CreateCapsuleDialog } from "./capsules/create-dialog";
import { BuildsPanel } from "./builds/builds-panel";
import { useTemplates } from "./capsules/queries";

function templateColumns(now: number): Column<Template>[] {
  return [
    { key: "name", header: "Name", className: "overflow-hidden", cell: (t) => <Mono className="text-ink">{t.name}</Mono> },
    { key: "base", header: "Based on", width: 150, className: "truncate", cell: (t) => <Mono className="text-ink-dim">{t.base_template || "—"}</Mono> },
    {
      key: "size",
      header: "Default size",
      width: 140,
      cell: (t) => <Mono className="text-ink-dim">{t.vcpus ? `${t.vcpus} · ${formatMb(t.memory_mb ?? 0)}` : "—"}</Mono>,
    },
    {
      key: "disk",
      header: "Disk",
      headerClassName: "text-right",
      width: 100,
      className: "text-right font-mono text-[12px] text-ink-dim",
      cell: (t) => (t.size_bytes ? formatBytes(t.size_bytes) : "—"),
    },
    { key: "created", header: "Created", width: 130, className: "text-ink-dim", title: (t) => formatTime(t.created_at), cell: (t) => (t.created_at ? formatAge(t.created_at, now) : "—") },
  ];
}

export function TemplatesPage() {
  const templates = useTemplates();
  const queryClient = useQueryClient();
  const [createFrom, setCreateFrom] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const now = useNow(30_000);
  const columns = templateColumns(now);
  const all = templates.data;
  const builtins = all?.filter((t) => t.type !== "snapshot") ?? [];
  const snapshots = all?.filter((t) => t.type === "snapshot") ?? [];
  const section = (rows: Template[], kind: "builtin" | "snapshot") => (
    <DataTable
      rows={all === undefined ? undefined : rows}
      error={templates.error}
      onRetry={() => void templates.refetch()}
      errorTitle="Could not list templates"
      empty={
        kind === "snapshot" ? (
          <EmptyState title="No snapshots yet">Snapshot a running capsule (from the capsule list or its page) to save its memory and disk as a template.</EmptyState>
        ) : (
          <EmptyState title="No built-in templates">The host has no images yet. An operator adds them on the host.</EmptyState>
        )
      }
      rowKey={(t) => t.name}
      rowData={(t) => ({ "data-template": t.name })}
      columns={columns}
      actionsWidth={kind === "snapshot" ? 220 : 140}
      actions={(t) => [
        { label: "Create capsule", ariaLabel: `Create a capsule from ${t.name}`, onClick: () => setCreateFrom(t.name) },
        kind === "snapshot" && { label: "Delete", ariaLabel: `Delete snapshot ${t.name}`, danger: true, onClick: () => setDeleting(t.name) },
      ]}
    />
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
