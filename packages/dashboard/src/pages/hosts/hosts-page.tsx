import { useState, type ReactNode } from "react";
import { ApiError, messageOf } from "../../api/client";
import type { Host, HostRegistration } from "../../api/types";
import { useSession } from "../../api/use-session";
import { Button } from "../../components/button";
import { DataTable, type Column } from "../../components/data-table";
import { Dialog } from "../../components/dialog";
import { Icon } from "../../components/icons";
import { Mono, PageHeader, Panel } from "../../components/page";
import { EmptyState } from "../../components/states";
import { StatusBadge } from "../../components/status-badge";
import { useToast } from "../../components/toast";
import { useNow } from "../../hooks/use-now";
import { formatTime } from "../../lib/format";
import { canManage } from "../team/team-forms";
import { DeleteHostFlow } from "./delete-host";
import { formatHeartbeat, formatSpecs, formatUsage } from "./host-format";
import { isSingleHost, regenerateToken, useHosts, useInvalidateHosts } from "./queries";
import { RegisterHostDialog } from "./register-dialog";
import { TagsDialog } from "./tags-dialog";
import { TokenPanel } from "./token-panel";

/** Two lines in one cell: the value, and a quieter detail under it. */
function Stacked({ top, bottom }: { top: ReactNode; bottom: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col leading-tight">
      <div className="truncate">{top}</div>
      <div className="mt-0.5 truncate text-[11px] text-ink-faint">{bottom}</div>
    </div>
  );
}

function hostColumns(now: number): Column<Host>[] {
  return [
    { key: "status", header: "Status", width: 120, cell: (h) => <StatusBadge status={h.status} /> },
    {
      key: "host",
      header: "Host",
      title: (h) => [h.id, h.team_id ? `BYOC host of ${h.team_id}` : "platform host", `${h.mode} host`, h.tags.length ? `tags: ${h.tags.join(", ")}` : ""].filter(Boolean).join("\n"),
      cell: (h) => (
        <Stacked
          top={<Mono>{h.id}</Mono>}
          bottom={
            <span className="flex items-center gap-1">
              <span data-testid="host-type">{h.type === "byoc" ? "BYOC" : "Regular"}</span>
              <span aria-hidden="true">·</span>
              <span data-testid="host-mode" title={h.mode === "static" ? "Named by WRENN_AGENT_URL; reached over plain HTTP" : "Joined with a registration token; reached over mTLS"}>
                {h.mode === "static" ? "Static" : "Registered"}
              </span>
              {h.tags.map((t) => (
                <span key={t} className="rounded border border-line-strong px-1 font-mono text-[10px] text-ink-dim">
                  {t}
                </span>
              ))}
            </span>
          }
        />
      ),
    },
    { key: "address", header: "Address", width: 190, className: "truncate", cell: (h) => <Mono className="text-ink-dim">{h.address || "—"}</Mono> },
    {
      key: "capacity",
      header: "Capacity · usage",
      width: 275,
      title: (h) => `${formatSpecs(h)} (${h.arch || "unknown arch"})\n${formatUsage(h)}`,
      cell: (h) => <Stacked top={<span className="text-[12px] text-ink-dim">{formatSpecs(h)}</span>} bottom={formatUsage(h)} />,
    },
    { key: "capsules", header: "Capsules", width: 80, className: "tabular-nums text-ink-dim", cell: (h) => h.capsule_count },
    {
      key: "heartbeat",
      header: "Last heartbeat",
      width: 125,
      className: "text-ink-dim",
      title: (h) => (h.last_heartbeat_at ? formatTime(h.last_heartbeat_at) : undefined),
      cell: (h) => formatHeartbeat(h.last_heartbeat_at, now),
    },
  ];
}

export function HostsPage() {
  const session = useSession();
  const hosts = useHosts();
  const invalidate = useInvalidateHosts();
  const toast = useToast();
  const now = useNow(1000);
  const [registering, setRegistering] = useState(false);
  const [editing, setEditing] = useState<Host | null>(null);
  const [deleting, setDeleting] = useState<Host | null>(null);
  const [token, setToken] = useState<HostRegistration | null>(null);
  const [regenerating, setRegenerating] = useState<string | null>(null);
  const isAdmin = session?.user.is_admin ?? false;
  const byocManager = Boolean(session?.team.is_byoc && canManage(session.team.role));
  const forbidden = hosts.error instanceof ApiError && hosts.error.status === 403 ? hosts.error : null;
  // An owner or admin of a team without BYOC may list hosts too (their team's BYOC hosts):
  // an empty list for them means "not for you", not "none registered yet".
  const notForYou = forbidden === null && !isAdmin && !byocManager && hosts.data !== undefined && hosts.data.length === 0;
  const singleHost = isSingleHost(hosts.error);
  const canRegister = (isAdmin || byocManager) && hosts.data !== undefined;

  const regenerate = async (h: Host): Promise<void> => {
    setRegenerating(h.id);
    try {
      setToken(await regenerateToken(h.id));
      void invalidate();
    } catch (err) {
      toast.error(`Could not regenerate the token of ${h.id}: ${messageOf(err)}`);
    } finally {
      setRegenerating(null);
    }
  };
  const registerButton = (
    <Button variant="primary" icon={<Icon name="plus" />} onClick={() => setRegistering(true)}>
      Register host
    </Button>
  );

  return (
    <>
      <PageHeader title="Hosts" description="Machines that run capsules: their health, capacity and load, live." actions={canRegister ? registerButton : null} />
      <Panel>
        {forbidden || notForYou ? (
          <EmptyState title="Hosts are for platform administrators">
            <p className="font-mono text-[12px] text-ink-dim">{forbidden ? forbidden.message : `${session?.team.name ?? "Your team"} is not enabled for bring-your-own-cloud hosts.`}</p>
            <p className="mt-2">Owners and admins of a BYOC team see their team’s own hosts here. Ask a platform administrator to enable BYOC for your team.</p>
          </EmptyState>
        ) : singleHost && hosts.data === undefined ? (
          <EmptyState title="Single-host installation">
            This control plane runs capsules on its one built-in host agent (<span className="font-mono">wrenn up</span>). Fleet management — registering more hosts,
            heartbeats, draining — comes with a multi-host control plane.
          </EmptyState>
        ) : (
          <DataTable
            query={hosts}
            errorTitle="Could not list hosts"
            empty={
              <EmptyState title="No hosts registered" action={canRegister ? registerButton : undefined}>
                Register a host, then run the command it gives you on that machine to join it to the fleet.
              </EmptyState>
            }
            testId="hosts-table"
            label="Hosts"
            rowKey={(h) => h.id}
            rowData={(h) => ({ "data-host-id": h.id })}
            columns={hostColumns(now)}
            actionsWidth={205}
            actions={(h) => [
              h.status === "pending" && {
                label: "New token",
                ariaLabel: `Regenerate the registration token of ${h.id}`,
                busy: regenerating === h.id,
                onClick: () => void regenerate(h),
              },
              { label: "Tags", ariaLabel: `Edit tags of ${h.id}`, onClick: () => setEditing(h) },
              { label: "Delete", ariaLabel: `Delete ${h.id}`, danger: true, onClick: () => setDeleting(h) },
            ]}
          />
        )}
        {hosts.error && hosts.data && !forbidden ? (
          <p role="alert" className="border-t border-line px-3 py-2 text-[12px] text-rose-300">
            Could not refresh: {messageOf(hosts.error)}
          </p>
        ) : null}
      </Panel>
      <RegisterHostDialog key={session?.team.id} open={registering} onClose={() => setRegistering(false)} isAdmin={isAdmin} currentTeamId={session?.team.id ?? ""} />
      <TagsDialog host={editing} onClose={() => setEditing(null)} />
      <DeleteHostFlow host={deleting} onClose={() => setDeleting(null)} />
      <Dialog
        open={token !== null}
        onClose={() => setToken(null)}
        wide
        title="New registration token"
        footer={
          <Button variant="primary" onClick={() => setToken(null)}>
            Done
          </Button>
        }
      >
        {token ? <TokenPanel hostId={token.host.id} token={token.registration_token} /> : null}
      </Dialog>
    </>
  );
}
