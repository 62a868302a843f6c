import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api, apiBlob, messageOf } from "../../api/client";
import type { FileEntry } from "../../api/types";
import { uploadFile } from "../../api/upload";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { cx } from "../../components/cx";
import { Dialog } from "../../components/dialog";
import { Field, FormError, Input } from "../../components/field";
import { Icon } from "../../components/icons";
import { table } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";
import { useToast } from "../../components/toast";
import { formatBytes, formatTime } from "../../lib/format";
import { breadcrumbs, HOME, joinPath, normalizePath, parentPath, validEntryName } from "../../lib/paths";
import { FilePreview } from "./file-preview";

interface Upload {
  id: number;
  name: string;
  loaded: number;
  total: number;
  error?: string;
  done?: boolean;
}

/** Folders first, then by name. */
function sortEntries(entries: FileEntry[]): FileEntry[] {
  return [...entries].sort((a, b) => Number(b.type === "directory") - Number(a.type === "directory") || a.name.localeCompare(b.name));
}

export async function downloadFile(capsuleId: string, path: string): Promise<void> {
  const blob = await apiBlob("POST", `/capsules/${capsuleId}/files/read`, { body: { path } });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = path.split("/").pop() || "download";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function NewFolderDialog({ open, onClose, dir, capsuleId }: { open: boolean; onClose: () => void; dir: string; capsuleId: string }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const invalid = validEntryName(name);
    if (invalid) return setError(invalid);
    setBusy(true);
    setError(null);
    try {
      await api("POST", `/capsules/${capsuleId}/files/mkdir`, { body: { path: joinPath(dir, name.trim()) } });
      await queryClient.invalidateQueries({ queryKey: ["files", capsuleId, dir] });
      setName("");
      onClose();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={() => !busy && onClose()}
      title="New folder"
      description={<span className="font-mono">{dir}</span>}
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="new-folder" variant="primary" busy={busy}>
            Create folder
          </Button>
        </>
      }
    >
      <form id="new-folder" onSubmit={(e) => void submit(e)} className="flex flex-col gap-3">
        <Field label="Folder name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} className="font-mono" autoFocus />}</Field>
        <FormError message={error} />
      </form>
    </Dialog>
  );
}

export function FilesTab({ capsuleId }: { capsuleId: string }) {
  const [params, setParams] = useSearchParams();
  const dir = normalizePath(params.get("path") ?? HOME);
  const queryClient = useQueryClient();
  const toast = useToast();
  const [selected, setSelected] = useState<FileEntry | null>(null);
  const [newFolder, setNewFolder] = useState(false);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);

  const listing = useQuery({
    queryKey: ["files", capsuleId, dir],
    queryFn: async () => {
      const body = await api<{ entries?: FileEntry[]; items?: FileEntry[] }>("POST", `/capsules/${capsuleId}/files/list`, { body: { path: dir, depth: 1 } });
      return sortEntries(body.entries ?? body.items ?? []);
    },
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
  });

  const go = (path: string): void => {
    const next = new URLSearchParams(params);
    next.set("path", normalizePath(path));
    setParams(next);
    setSelected(null);
  };

  const download = (entry: FileEntry): void => {
    downloadFile(capsuleId, entry.path).catch((err: unknown) => toast.error(`Could not download ${entry.name}: ${messageOf(err)}`));
  };

  const upload = async (files: File[]): Promise<void> => {
    const target = dir;
    await Promise.all(
      files.map(async (file) => {
        const id = Date.now() + Math.random();
        setUploads((u) => [...u, { id, name: file.name, loaded: 0, total: file.size }]);
        const update = (patch: Partial<Upload>): void => setUploads((u) => u.map((x) => (x.id === id ? { ...x, ...patch } : x)));
        try {
          await uploadFile(capsuleId, joinPath(target, file.name), file, (p) => update({ loaded: p.loaded, total: p.total }));
          update({ done: true });
          setTimeout(() => setUploads((u) => u.filter((x) => x.id !== id)), 2500);
        } catch (err) {
          update({ error: messageOf(err) });
        }
      }),
    );
    await queryClient.invalidateQueries({ queryKey: ["files", capsuleId, target] });
  };

  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) void upload(files);
  };

  const entries = listing.data;
  // With the preview open the table is half as wide: drop the least needed columns.
  const compact = selected !== null;
  return (
    <div className={cx("grid gap-4", selected ? "lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]" : "grid-cols-1")}>
      <section
        aria-label="Files"
        className={cx("relative rounded-lg border bg-panel", dragging ? "border-accent" : "border-line")}
        onDragEnter={(e) => {
          if (!e.dataTransfer.types.includes("Files")) return;
          dragDepth.current += 1;
          setDragging(true);
        }}
        onDragOver={(e) => {
          if (e.dataTransfer.types.includes("Files")) e.preventDefault();
        }}
        onDragLeave={() => {
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <div className="flex flex-wrap items-center gap-2 border-b border-line px-3 py-2">
          <Button size="sm" variant="ghost" icon={<Icon name="up" className="h-3.5 w-3.5" />} disabled={dir === "/"} onClick={() => go(parentPath(dir))} aria-label="Up one folder">
            Up
          </Button>
          <nav aria-label="Path" className="flex min-w-0 flex-1 items-center overflow-x-auto font-mono text-[12px]">
            {breadcrumbs(dir).map((c, i, all) => (
              <span key={c.path} className="flex items-center">
                {i > 1 ? <span className="px-0.5 text-ink-faint">/</span> : null}
                {i === all.length - 1 ? (
                  <span className="px-1 text-ink" aria-current="location">
                    {c.name}
                  </span>
                ) : (
                  <button type="button" onClick={() => go(c.path)} className="rounded px-1 text-ink-dim hover:bg-raised hover:text-ink">
                    {c.name}
                  </button>
                )}
              </span>
            ))}
          </nav>
          <Button size="sm" variant="ghost" icon={<Icon name="refresh" className="h-3.5 w-3.5" />} onClick={() => void listing.refetch()} aria-label="Refresh" />
          <Button size="sm" onClick={() => setNewFolder(true)}>
            New folder
          </Button>
          <Button size="sm" variant="primary" onClick={() => fileInput.current?.click()}>
            Upload
          </Button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            data-testid="upload-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = "";
              if (files.length) void upload(files);
            }}
          />
        </div>
        {uploads.length ? (
          <ul className="flex flex-col gap-1.5 border-b border-line px-3 py-2" aria-label="Uploads">
            {uploads.map((u) => {
              const pct = u.total > 0 ? Math.round((u.loaded / u.total) * 100) : 0;
              return (
                <li key={u.id} className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 text-[12px]">
                  <span className="truncate font-mono text-ink-dim">{u.name}</span>
                  <span className={cx("font-mono", u.error ? "text-rose-300" : "text-ink-faint")}>{u.error ? "failed" : u.done ? "done" : `${pct}%`}</span>
                  <div className="col-span-2 mt-1 h-1 overflow-hidden rounded bg-raised" role="progressbar" aria-label={`Uploading ${u.name}`} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
                    <div className={cx("h-full transition-[width]", u.error ? "bg-rose-400" : "bg-accent")} style={{ width: `${u.error ? 100 : pct}%` }} />
                  </div>
                  {u.error ? <p className="col-span-2 mt-1 text-rose-300">{u.error}</p> : null}
                </li>
              );
            })}
          </ul>
        ) : null}
        {entries === undefined ? (
          listing.error ? (
            <ErrorState error={listing.error} onRetry={() => void listing.refetch()} title="Could not list this folder" />
          ) : (
            <LoadingRows rows={6} label="Loading files" />
          )
        ) : (
          <>
            {listing.error ? <p className="border-b border-line px-3 py-2 text-[12px] text-rose-300">{messageOf(listing.error)}</p> : null}
            {entries.length === 0 ? (
              <EmptyState title="This folder is empty">Drop files here or use Upload.</EmptyState>
            ) : (
              <div className={table.wrap}>
                <table className={cx(table.table, "table-fixed")} data-testid="files-table">
                  <colgroup>
                    <col />
                    <col style={{ width: 96 }} />
                    {compact ? null : <col style={{ width: 170 }} />}
                    {compact ? null : <col style={{ width: 110 }} />}
                    <col style={{ width: 150 }} />
                  </colgroup>
                  <thead>
                    <tr>
                      <th className={table.th}>Name</th>
                      <th className={cx(table.th, "text-right")}>Size</th>
                      {compact ? null : <th className={table.th}>Modified</th>}
                      {compact ? null : <th className={table.th}>Mode</th>}
                      <th className={table.th}>
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((e) => (
                      <tr key={e.path} className={cx(table.tr, selected?.path === e.path && "bg-raised")} data-file-name={e.name}>
                        <td className={cx(table.td, "overflow-hidden")}>
                          <button
                            type="button"
                            onClick={() => (e.type === "directory" ? go(e.path) : setSelected(e))}
                            className="flex max-w-full items-center gap-2 text-left hover:text-accent"
                          >
                            <Icon name={e.type === "directory" ? "folder" : e.type === "symlink" ? "link" : "file"} className={cx("h-4 w-4 shrink-0", e.type === "directory" ? "text-accent/80" : "text-ink-faint")} />
                            <span className="truncate font-mono text-[12px]">{e.name}</span>
                            {e.symlink_target ? <span className="truncate font-mono text-[11px] text-ink-faint">→ {e.symlink_target}</span> : null}
                          </button>
                        </td>
                        <td className={cx(table.td, "text-right font-mono text-[12px] text-ink-dim")}>{e.type === "directory" ? "—" : formatBytes(e.size)}</td>
                        {compact ? null : <td className={cx(table.td, "text-[12px] text-ink-dim")}>{formatTime(e.modified_at)}</td>}
                        {compact ? null : <td className={cx(table.td, "font-mono text-[12px] text-ink-faint")}>{e.permissions}</td>}
                        <td className={table.td}>
                          <div className="flex justify-end gap-1.5">
                            {e.type !== "directory" ? (
                              <Button size="sm" variant="ghost" onClick={() => download(e)} aria-label={`Download ${e.name}`}>
                                Download
                              </Button>
                            ) : null}
                            <Button size="sm" variant="ghost" className="text-rose-300 hover:text-rose-200" onClick={() => setDeleting(e)} aria-label={`Delete ${e.name}`}>
                              Delete
                            </Button>
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
        {dragging ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center rounded-lg bg-canvas/80 text-[14px] text-accent">
            Drop to upload to <span className="ml-1 font-mono">{dir}</span>
          </div>
        ) : null}
      </section>
      {selected ? <FilePreview key={selected.path} capsuleId={capsuleId} entry={selected} onDownload={() => download(selected)} onClose={() => setSelected(null)} /> : null}
      <NewFolderDialog open={newFolder} onClose={() => setNewFolder(false)} dir={dir} capsuleId={capsuleId} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={deleting?.type === "directory" ? "Delete folder?" : "Delete file?"}
        body={
          <>
            <span className="font-mono text-ink">{deleting?.path}</span>
            {deleting?.type === "directory" ? " and everything in it" : ""} will be removed from the capsule.
          </>
        }
        confirmLabel="Delete"
        onConfirm={async () => {
          await api("POST", `/capsules/${capsuleId}/files/remove`, { body: { path: deleting!.path } });
          if (selected?.path === deleting?.path) setSelected(null);
          await queryClient.invalidateQueries({ queryKey: ["files", capsuleId, dir] });
        }}
      />
    </div>
  );
}
