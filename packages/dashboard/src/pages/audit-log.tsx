import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { api, itemsOf } from "../api/client";
import type { ApiKey, AuditEntry, Member } from "../api/types";
import { useSession } from "../api/use-session";
import { Button } from "../components/button";
import { cx } from "../components/cx";
import { DataTable } from "../components/data-table";
import { Input, Select } from "../components/field";
import { Mono, PageHeader, Panel } from "../components/page";
import { EmptyState } from "../components/states";
import { formatTime } from "../lib/format";

const PAGE = 50;
const resourceTypes = ["capsule", "template", "api_key", "team", "member", "user", "host", "build", "channel"];

interface AuditPage {
  items: AuditEntry[];
  next_before?: string | null;
  next_cursor?: string | null;
}

/** The cursor for the page after this one: the API's, or the last id when the page was full. */
export function nextCursor(page: AuditPage): string | undefined {
  if (page.next_before !== undefined || page.next_cursor !== undefined) return page.next_before ?? page.next_cursor ?? undefined;
  return page.items.length >= PAGE ? page.items[page.items.length - 1]?.id : undefined;
}

function metadataText(m: Record<string, unknown>): string {
  return Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** E-mails of the team's members and names of its live keys, so actors read as people, not ids. */
function useActorNames(): Map<string, string> {
  const session = useSession();
  const teamId = session?.team.id ?? "";
  const members = useQuery({ queryKey: ["members", teamId], queryFn: async () => itemsOf(await api<{ items: Member[] }>("GET", `/teams/${teamId}/members`)), enabled: teamId !== "" });
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => itemsOf(await api<{ items: ApiKey[] }>("GET", "/api-keys")) });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const m of members.data ?? []) names.set(m.user_id, m.email);
    for (const k of keys.data ?? []) names.set(k.id, `${k.name} (${k.key_prefix}…)`);
    return names;
  }, [members.data, keys.data]);
}

export function AuditLogPage() {
  const actorNames = useActorNames();
  const [resourceType, setResourceType] = useState("");
  const [actionInput, setActionInput] = useState("");
  const [action, setAction] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setAction(actionInput.trim()), 300);
    return () => clearTimeout(t);
  }, [actionInput]);
  const log = useInfiniteQuery({
    queryKey: ["audit", resourceType, action],
    queryFn: ({ pageParam }) => api<AuditPage>("GET", "/audit-logs", { query: { limit: PAGE, before: pageParam, resource_type: resourceType, action } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
  });
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && log.hasNextPage && !log.isFetchingNextPage) void log.fetchNextPage();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [log.hasNextPage, log.isFetchingNextPage, log]);
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader title="Audit log" description="Every change in this team: who did what, to which resource, and when." />
      <Panel>
        <div className="flex flex-wrap items-center gap-2 border-b border-line px-3 py-2.5">
          <Select aria-label="Resource type" value={resourceType} onChange={(e) => setResourceType(e.target.value)} className="w-44">
            <option value="">All resources</option>
            {resourceTypes.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
          <Input aria-label="Action" placeholder="Action, e.g. capsule.create" value={actionInput} onChange={(e) => setActionInput(e.target.value)} className="w-64 font-mono" />
        </div>
        <DataTable
          rows={log.data === undefined ? undefined : rows}
          error={log.error}
          onRetry={() => void log.refetch()}
          errorTitle="Could not load the audit log"
          loadingRows={8}
          empty={
            <EmptyState title={resourceType || action ? "No entries match" : "No entries yet"}>
              {resourceType || action ? "Try another filter." : "Actions in this team show up here."}
            </EmptyState>
          }
          rowKey={(r) => r.id}
          columns={[
            { key: "time", header: "Time", width: 170, className: "font-mono text-[12px] text-ink-dim", cell: (r) => formatTime(r.created_at) },
            { key: "action", header: "Action", width: 180, className: "truncate", cell: (r) => <Mono className="text-ink">{r.action}</Mono> },
            {
              key: "actor",
              header: "Actor",
              width: 240,
              className: "truncate text-[12px] text-ink-dim",
              title: (r) => r.actor_id ?? undefined,
              cell: (r) => (
                <>
                  <span className="mr-1.5 rounded border border-line-strong px-1 text-[11px] text-ink-faint">{r.actor_type.replace("_", " ")}</span>
                  {r.actor_id && actorNames.has(r.actor_id) ? actorNames.get(r.actor_id) : <Mono>{r.actor_id ?? "—"}</Mono>}
                </>
              ),
            },
            {
              key: "resource",
              header: "Resource",
              width: 260,
              className: "truncate",
              cell: (r) => (
                <>
                  <span className="mr-1.5 text-[12px] text-ink-faint">{r.resource_type}</span>
                  <Mono className="text-ink-dim">{r.resource_id ?? ""}</Mono>
                </>
              ),
            },
            { key: "details", header: "Details", className: "truncate", title: (r) => metadataText(r.metadata), cell: (r) => <Mono className="text-ink-faint">{metadataText(r.metadata)}</Mono> },
          ]}
        />
        <div ref={sentinel} className={cx("flex items-center justify-center text-[12px] text-ink-faint", rows.length ? "h-12 border-t border-line" : "h-0 overflow-hidden")}>
          {log.isFetchingNextPage ? (
            "Loading more…"
          ) : log.hasNextPage ? (
            <Button size="sm" variant="ghost" onClick={() => void log.fetchNextPage()}>
              Load more
            </Button>
          ) : rows.length ? (
            "End of the log"
          ) : null}
        </div>
        {log.error && log.data ? <p className="px-3 pb-3 text-[12px] text-rose-300">{String((log.error as Error).message)}</p> : null}
      </Panel>
    </>
  );
}
