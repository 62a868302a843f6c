import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, itemsOf } from "../api/client";
import type { Build, Template } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { cx } from "../components/cx";
import { Icon } from "../components/icons";
import { Mono, PageHeader, Panel, table } from "../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { useNow } from "../hooks/use-now";
import { formatAge, formatBytes, formatMb, formatTime } from "../lib/format";
import { CreateCapsuleDialog } from "./capsules/create-dialog";
import { useTemplates } from "./capsules/queries";

/**
 * Recipe builds come with a later API; the section shows only when `GET /v1/builds`
 * answers, so this page works against control planes with and without it.
 */
function useBuilds() {
  return useQuery({
    queryKey: ["builds"],
    queryFn: async () => {
      try {
        return itemsOf(await api<{ items: Build[] } | Build[]>("GET", "/builds"));
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) return null;
        throw err;
      }
    },
    retry: false,
  });
}

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

function Builds() {
  const builds = useBuilds();
  const now = useNow(10_000);
  if (builds.data === null) return null;
  return (
    <Panel title="Recipe builds" className="mt-5">
      {builds.data === undefined ? (
        builds.error ? (
          <ErrorState error={builds.error} onRetry={() => void builds.refetch()} />
        ) : (
          <LoadingRows rows={2} />
        )
      ) : builds.data.length === 0 ? (
        <EmptyState title="No builds yet">Builds turn a base template and a recipe (RUN, ENV, WORKDIR, COPY, START) into a new template.</EmptyState>
      ) : (
        <table className={table.table}>
          <thead>
            <tr>
              <th className={table.th}>Status</th>
              <th className={table.th}>Name</th>
              <th className={table.th}>Build</th>
              <th className={table.th}>Base</th>
              <th className={table.th}>Started</th>
            </tr>
          </thead>
          <tbody>
            {builds.data.map((b) => (
              <tr key={b.id} className={table.tr}>
                <td className={table.td}>
                  <StatusBadge status={b.status} />
                </td>
                <td className={table.td}>
                  <Mono>{b.name}</Mono>
                </td>
                <td className={table.td}>
                  <Mono className="text-ink-dim">{b.id}</Mono>
                </td>
                <td className={table.td}>
                  <Mono className="text-ink-dim">{b.base_template ?? "—"}</Mono>
                </td>
                <td className={cx(table.td, "text-ink-dim")}>{formatAge(b.created_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
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
        description="What new capsules start from: built-in images, and snapshots your team took."
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
      <Builds />
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
