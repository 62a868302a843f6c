import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, itemsOf } from "../api/client";
import type { Host } from "../api/types";
import { useSession } from "../api/use-session";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { CopyButton } from "../components/copy-button";
import { cx } from "../components/cx";
import { Dialog } from "../components/dialog";
import { FormError } from "../components/field";
import { Mono, PageHeader, Panel, table } from "../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { useNow } from "../hooks/use-now";
import { formatAge, formatMb, formatTime } from "../lib/format";

/** null: this control plane has no fleet API (a single built-in host). */
function useHosts() {
  return useQuery({
    queryKey: ["hosts"],
    queryFn: async () => {
      try {
        return itemsOf(await api<{ items: Host[] } | Host[]>("GET", "/hosts"));
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)) return null;
        throw err;
      }
    },
    refetchInterval: 10_000,
    retry: false,
  });
}

function RegisterDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const close = (): void => {
    setToken(null);
    setError(null);
    onClose();
  };
  const register = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ host: Host; registration_token: string }>("POST", "/hosts", { body: { type: "regular" } });
      setToken(r.registration_token);
      void queryClient.invalidateQueries({ queryKey: ["hosts"] });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="Register a host"
      description={token ? "Shown once; valid for one hour. Give it to the host agent to join." : "Creates a pending host and a one-time registration token."}
      footer={
        token ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <>
            <Button variant="ghost" onClick={close}>
              Cancel
            </Button>
            <Button variant="primary" busy={busy} onClick={() => void register()}>
              Create token
            </Button>
          </>
        )
      }
    >
      {token ? (
        <div className="flex items-center gap-2 rounded-md border border-accent/40 bg-accent/5 px-3 py-2.5">
          <code className="min-w-0 flex-1 break-all font-mono text-[13px]">{token}</code>
          <CopyButton text={token} />
        </div>
      ) : (
        <FormError message={error} />
      )}
    </Dialog>
  );
}

export function HostsPage() {
  const session = useSession();
  const hosts = useHosts();
  const now = useNow(10_000);
  const queryClient = useQueryClient();
  const [registering, setRegistering] = useState(false);
  const [deleting, setDeleting] = useState<Host | null>(null);
  const admin = session?.user.is_admin ?? false;
  const fleet = hosts.data !== null;
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Machines that run capsules."
        actions={
          admin && fleet && hosts.data ? (
            <Button variant="primary" onClick={() => setRegistering(true)}>
              Register host
            </Button>
          ) : null
        }
      />
      <Panel>
        {!admin ? (
          <EmptyState title="For platform administrators">Hosts are managed by the administrators of this Wrenn installation.</EmptyState>
        ) : hosts.data === undefined ? (
          hosts.error ? (
            <ErrorState error={hosts.error} onRetry={() => void hosts.refetch()} title="Could not list hosts" />
          ) : (
            <LoadingRows rows={3} />
          )
        ) : hosts.data === null ? (
          <EmptyState title="Single-host installation">
            This control plane runs capsules on its one built-in host agent (<span className="font-mono">wrenn up</span>). Fleet management — registering more hosts, heartbeats, draining — comes with a multi-host control plane.
          </EmptyState>
        ) : hosts.data.length === 0 ? (
          <EmptyState title="No hosts registered" action={<Button variant="primary" onClick={() => setRegistering(true)}>Register host</Button>}>
            Register a host to run capsules on it.
          </EmptyState>
        ) : (
          <table className={cx(table.table, "table-fixed")}>
            <colgroup>
              <col style={{ width: 130 }} />
              <col style={{ width: 250 }} />
              <col />
              <col style={{ width: 190 }} />
              <col style={{ width: 140 }} />
              <col style={{ width: 100 }} />
            </colgroup>
            <thead>
              <tr>
                <th className={table.th}>Status</th>
                <th className={table.th}>Host</th>
                <th className={table.th}>Address</th>
                <th className={table.th}>Capacity</th>
                <th className={table.th}>Last heartbeat</th>
                <th className={table.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hosts.data.map((h) => (
                <tr key={h.id} className={table.tr}>
                  <td className={table.td}>
                    <StatusBadge status={h.status} />
                  </td>
                  <td className={table.td}>
                    <Mono>{h.id}</Mono>
                  </td>
                  <td className={cx(table.td, "truncate")}>
                    <Mono className="text-ink-dim">{h.address || "—"}</Mono>
                  </td>
                  <td className={table.td}>
                    <Mono className="text-ink-dim">
                      {h.cpu_cores} cpu · {formatMb(h.memory_mb)} · {h.arch || "?"}
                    </Mono>
                  </td>
                  <td className={cx(table.td, "text-ink-dim")} title={formatTime(h.last_heartbeat_at)}>
                    {h.last_heartbeat_at ? formatAge(h.last_heartbeat_at, now) : "never"}
                  </td>
                  <td className={table.td}>
                    <div className="flex justify-end">
                      <Button size="sm" variant="danger" onClick={() => setDeleting(h)}>
                        Delete
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <RegisterDialog open={registering} onClose={() => setRegistering(false)} />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete host?"
        body={
          <>
            <span className="font-mono text-ink">{deleting?.id}</span> is removed from the fleet. Capsules still on it are destroyed.
          </>
        }
        typeToConfirm={deleting?.id}
        confirmLabel="Delete host"
        onConfirm={async () => {
          await api("DELETE", `/hosts/${deleting!.id}`, { query: { force: true } });
          await queryClient.invalidateQueries({ queryKey: ["hosts"] });
        }}
      />
    </>
  );
}
