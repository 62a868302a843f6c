import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { messageOf } from "../../api/client";
import type { Capsule } from "../../api/types";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { cx } from "../../components/cx";
import { Input, Select } from "../../components/field";
import { Icon } from "../../components/icons";
import { Mono, PageHeader, Panel, table } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";
import { StatusBadge } from "../../components/status-badge";
import { useToast } from "../../components/toast";
import { useNow } from "../../hooks/use-now";
import { formatAge, formatMb, formatTime } from "../../lib/format";
import { capsuleActions } from "../../lib/status";
import { CreateCapsuleDialog } from "./create-dialog";
import { useCapsuleAction, useCapsules, type CapsuleAction } from "./queries";
import { SnapshotDialog } from "./snapshot-dialog";

/** Search text matched against id, template, status and metadata. */
export function matchesCapsule(c: Capsule, search: string, status: string): boolean {
  if (status !== "all" && c.status !== status) return false;
  const q = search.trim().toLowerCase();
  if (!q) return true;
  const hay = [c.id, c.template, c.status, ...Object.entries(c.metadata ?? {}).map(([k, v]) => `${k}=${v}`)].join(" ").toLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}

const col = createColumnHelper<Capsule>();

function RowActions({ capsule, onSnapshot, onDestroy }: { capsule: Capsule; onSnapshot: () => void; onDestroy: () => void }) {
  const action = useCapsuleAction();
  const toast = useToast();
  const can = capsuleActions(capsule.status);
  const run = (a: CapsuleAction): void =>
    action.mutate({ id: capsule.id, action: a }, { onError: (err) => toast.error(`Could not ${a} ${capsule.id}: ${messageOf(err)}`) });
  const pending = action.isPending ? action.variables?.action : undefined;
  return (
    <div className="flex justify-end gap-1.5">
      {can.resume ? (
        <Button size="sm" className="w-[4.5rem]" busy={pending === "resume"} onClick={() => run("resume")} aria-label={`Resume ${capsule.id}`}>
          Resume
        </Button>
      ) : (
        <Button size="sm" className="w-[4.5rem]" busy={pending === "pause"} disabled={!can.pause} onClick={() => run("pause")} aria-label={`Pause ${capsule.id}`}>
          Pause
        </Button>
      )}
      <Button size="sm" disabled={!can.snapshot} onClick={onSnapshot} aria-label={`Snapshot ${capsule.id}`}>
        Snapshot
      </Button>
      <Button size="sm" variant="danger" onClick={onDestroy} aria-label={`Destroy ${capsule.id}`}>
        Destroy
      </Button>
    </div>
  );
}

export function CapsulesPage() {
  const capsules = useCapsules();
  const now = useNow(5000);
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const status = params.get("status") ?? "all";
  const [creating, setCreating] = useState(params.get("new") === "1");
  const [snapshotOf, setSnapshotOf] = useState<string | null>(null);
  const [destroying, setDestroying] = useState<string | null>(null);
  const [sorting, setSorting] = useState<SortingState>([{ id: "created_at", desc: true }]);
  const destroy = useCapsuleAction();

  const setFilter = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value && value !== "all") next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const rows = useMemo(() => (capsules.data ?? []).filter((c) => matchesCapsule(c, search, status)), [capsules.data, search, status]);
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const c of capsules.data ?? []) m.set(c.status, (m.get(c.status) ?? 0) + 1);
    return m;
  }, [capsules.data]);

  const columns = useMemo(
    () => [
      col.accessor("status", {
        header: "Status",
        size: 120,
        cell: (i) => (
          <span title={i.row.original.error}>
            <StatusBadge status={i.getValue()} />
          </span>
        ),
      }),
      col.accessor("id", {
        header: "Capsule",
        size: 250,
        cell: (i) => (
          <Link to={`/capsules/${i.getValue()}/terminal`} className="font-mono text-[12px] text-ink hover:text-accent hover:underline underline-offset-2">
            {i.getValue()}
          </Link>
        ),
      }),
      col.accessor("template", { header: "Template", size: 150, cell: (i) => <Mono className="block truncate text-ink-dim">{i.getValue()}</Mono> }),
      col.accessor((c) => c.vcpus * 100_000 + c.memory_mb, {
        id: "size",
        header: "vCPU / Memory",
        size: 130,
        cell: (i) => (
          <Mono className="text-ink-dim">
            {i.row.original.vcpus} · {formatMb(i.row.original.memory_mb)}
          </Mono>
        ),
      }),
      col.accessor("created_at", {
        header: "Age",
        size: 110,
        sortingFn: "datetime",
        cell: (i) => (
          <span className="text-ink-dim" title={formatTime(i.getValue())}>
            {formatAge(i.getValue(), now).replace(" ago", "")}
          </span>
        ),
      }),
      col.accessor((c) => c.last_active_at ?? "", {
        id: "last_active_at",
        header: "Last activity",
        size: 120,
        cell: (i) => (
          <span className="text-ink-dim" title={formatTime(i.row.original.last_active_at)}>
            {formatAge(i.row.original.last_active_at, now)}
          </span>
        ),
      }),
      col.display({
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        size: 250,
        cell: (i) => <RowActions capsule={i.row.original} onSnapshot={() => setSnapshotOf(i.row.original.id)} onDestroy={() => setDestroying(i.row.original.id)} />,
      }),
    ],
    [now],
  );

  const t = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (c) => c.id,
  });

  const total = capsules.data?.length ?? 0;
  return (
    <>
      <PageHeader
        title="Capsules"
        description="Sandboxes running for this team. The list updates by itself."
        actions={
          <Button variant="primary" icon={<Icon name="plus" />} onClick={() => setCreating(true)}>
            New capsule
          </Button>
        }
      />
      <Panel>
        <div className="flex flex-wrap items-center gap-2 border-b border-line px-3 py-2.5">
          <div className="relative w-72">
            <Icon name="search" className="pointer-events-none absolute left-2.5 top-2 h-4 w-4 text-ink-faint" />
            <Input
              aria-label="Search capsules"
              placeholder="Search id, template, metadata"
              value={search}
              onChange={(e) => setFilter("q", e.target.value)}
              className="pl-8"
            />
          </div>
          <Select aria-label="Filter by status" value={status} onChange={(e) => setFilter("status", e.target.value)} className="w-44">
            <option value="all">All statuses ({total})</option>
            {["running", "paused", "pending", "error", "missing", "stopped"].map((s) => (
              <option key={s} value={s}>
                {s.charAt(0).toUpperCase() + s.slice(1)} ({counts.get(s) ?? 0})
              </option>
            ))}
          </Select>
          <p className="ml-auto flex items-center gap-2 text-[12px] text-ink-faint" aria-live="off">
            <span className={cx("h-1.5 w-1.5 rounded-full", capsules.isError ? "bg-rose-400" : "bg-emerald-400")} aria-hidden="true" />
            {capsules.isError && capsules.data ? `Live updates failing: ${messageOf(capsules.error)}` : "Live"}
          </p>
        </div>
        {capsules.data === undefined ? (
          capsules.error ? (
            <ErrorState error={capsules.error} onRetry={() => void capsules.refetch()} title="Could not list capsules" />
          ) : (
            <LoadingRows rows={5} label="Loading capsules" />
          )
        ) : total === 0 ? (
          <EmptyState
            title="No capsules yet"
            action={
              <Button variant="primary" icon={<Icon name="plus" />} onClick={() => setCreating(true)}>
                New capsule
              </Button>
            }
          >
            A capsule is a sandbox with its own filesystem, processes and network. Create one here, or from the SDK with your API key.
          </EmptyState>
        ) : rows.length === 0 ? (
          <EmptyState title="No capsules match">Nothing matches this search and status filter.</EmptyState>
        ) : (
          <div className={table.wrap}>
            <table className={cx(table.table, "table-fixed")} data-testid="capsules-table">
              <colgroup>
                {t.getAllLeafColumns().map((c) => (
                  <col key={c.id} style={{ width: c.getSize() }} />
                ))}
              </colgroup>
              <thead>
                {t.getHeaderGroups().map((hg) => (
                  <tr key={hg.id}>
                    {hg.headers.map((h) => {
                      const sorted = h.column.getIsSorted();
                      return (
                        <th key={h.id} className={table.th} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}>
                          {h.column.getCanSort() ? (
                            <button type="button" onClick={h.column.getToggleSortingHandler()} className="inline-flex items-center gap-1 uppercase hover:text-ink">
                              {flexRender(h.column.columnDef.header, h.getContext())}
                              <span aria-hidden="true" className="w-2 text-[10px]">
                                {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : ""}
                              </span>
                            </button>
                          ) : (
                            flexRender(h.column.columnDef.header, h.getContext())
                          )}
                        </th>
                      );
                    })}
                  </tr>
                ))}
              </thead>
              <tbody>
                {t.getRowModel().rows.map((r) => (
                  <tr key={r.id} className={table.tr} data-capsule-id={r.id}>
                    {r.getVisibleCells().map((c) => (
                      <td key={c.id} className={cx(table.td, "overflow-hidden")}>
                        {flexRender(c.column.columnDef.cell, c.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      <CreateCapsuleDialog open={creating} onClose={() => setCreating(false)} initialTemplate={params.get("template") ?? undefined} />
      <SnapshotDialog capsuleId={snapshotOf} onClose={() => setSnapshotOf(null)} />
      <ConfirmDialog
        open={destroying !== null}
        onClose={() => setDestroying(null)}
        title="Destroy capsule?"
        body={
          <>
            <span className="font-mono text-ink">{destroying}</span> and everything in it (files, processes) will be gone. This cannot be undone.
          </>
        }
        confirmLabel="Destroy"
        onConfirm={() => destroy.mutateAsync({ id: destroying!, action: "destroy" })}
      />
    </>
  );
}
