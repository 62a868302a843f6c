import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, messageOf } from "../../api/client";
import type { AdminTeam } from "../../api/types";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { DataTable } from "../../components/data-table";
import { Mono } from "../../components/page";
import { EmptyState } from "../../components/states";
import { useToast } from "../../components/toast";
import { formatTime } from "../../lib/format";
import { Switch } from "./switch";

export const adminTeamsKey = ["admin", "teams"] as const;

export function useAdminTeams() {
  return useQuery({ queryKey: adminTeamsKey, queryFn: async ({ signal }) => (await api<{ teams: AdminTeam[] }>("GET", "/admin/teams", { signal })).teams ?? [] });
}

/** Every team on the platform: turn BYOC on or off, delete one (refused while it has capsules). */
export function TeamsTab({ teams }: { teams: ReturnType<typeof useAdminTeams> }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [deleting, setDeleting] = useState<AdminTeam | null>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const setByoc = async (t: AdminTeam, isByoc: boolean): Promise<void> => {
    setSwitching(t.id);
    try {
      await api("PATCH", `/admin/teams/${t.id}`, { body: { is_byoc: isByoc } });
      await queryClient.invalidateQueries({ queryKey: adminTeamsKey });
      toast.ok(`BYOC is ${isByoc ? "on" : "off"} for ${t.name}.`);
    } catch (err) {
      toast.error(`Could not change BYOC for ${t.name}: ${messageOf(err)}`);
    } finally {
      setSwitching(null);
    }
  };
  return (
    <>
      <DataTable
        query={teams}
        errorTitle="Could not list teams"
        empty={<EmptyState title="No teams" />}
        testId="admin-teams-table"
        label="Teams"
        rowKey={(t) => t.id}
        rowData={(t) => ({ "data-team-id": t.id })}
        columns={[
          { key: "name", header: "Name", className: "truncate", cell: (t) => t.name },
          { key: "id", header: "Id", width: 260, className: "truncate", cell: (t) => <Mono className="text-ink-dim">{t.id}</Mono> },
          {
            key: "byoc",
            header: "BYOC",
            width: 110,
            cell: (t) => <Switch checked={t.is_byoc} label={`BYOC for ${t.name}`} busy={switching === t.id} onChange={(v) => void setByoc(t, v)} />,
          },
          { key: "members", header: "Members", width: 100, className: "tabular-nums text-ink-dim", cell: (t) => t.member_count },
          { key: "capsules", header: "Capsules", width: 100, className: "tabular-nums text-ink-dim", cell: (t) => t.capsule_count },
          { key: "created", header: "Created", width: 170, className: "text-ink-dim", cell: (t) => formatTime(t.created_at) },
        ]}
        actions={(t) => [{ label: "Delete", ariaLabel: `Delete team ${t.name}`, danger: true, onClick: () => setDeleting(t) }]}
      />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete team?"
        body={
          <>
            This deletes <span className="text-ink">{deleting?.name}</span> (<span className="font-mono">{deleting?.id}</span>) for its {deleting?.member_count ?? 0} members; its API keys
            stop working. It is refused while the team still has capsules. This cannot be undone.
          </>
        }
        typeToConfirm={deleting?.name}
        confirmLabel="Delete team"
        onConfirm={async () => {
          await api("DELETE", `/admin/teams/${deleting!.id}`);
          await queryClient.invalidateQueries({ queryKey: adminTeamsKey });
        }}
      />
    </>
  );
}
