import { useState } from "react";
import { useNavigate } from "react-router";
import { api, itemsOf, messageOf } from "../../api/client";
import { clearSession } from "../../api/session";
import type { Team } from "../../api/types";
import { useSession } from "../../api/use-session";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { useSwitchTeam, useTeams } from "../../components/layout";
import { PageHeader, Panel } from "../../components/page";
import { ErrorState, LoadingRows } from "../../components/states";
import { useToast } from "../../components/toast";
import { MembersPanel } from "./members-panel";
import { CreateTeamDialog, RenameForm } from "./team-forms";

export function TeamPage() {
  const session = useSession();
  const teams = useTeams();
  const switchTeam = useSwitchTeam();
  const navigate = useNavigate();
  const toast = useToast();
  const [leaving, setLeaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [creating, setCreating] = useState(false);
  if (!session) return null;
  const team = teams.data?.find((t) => t.id === session.team.id) ?? session.team;
  const others = teams.data?.filter((t) => t.id !== team.id) ?? [];

  /**
   * Leaving or deleting the team the session is for would void the session's own token, so
   * switch to another team first and act from there (team routes act on the team in the
   * path); if the action fails, switch back. With no other team, act and sign out: the next
   * sign-in starts in a fresh personal team.
   */
  const actOnCurrentTeam = async (action: () => Promise<unknown>): Promise<void> => {
    const other = itemsOf(await api<{ items: Team[] }>("GET", "/teams")).find((t) => t.id !== team.id);
    if (!other) {
      await action();
      clearSession("signed_out");
      return;
    }
    await switchTeam(other.id, { navigate: false });
    try {
      await action();
    } catch (err) {
      await switchTeam(team.id, { navigate: false }).catch(() => {});
      throw err;
    }
    navigate("/capsules");
  };

  return (
    <>
      <PageHeader
        title="Team"
        description="Who can use this team’s capsules, templates and keys."
        actions={
          <Button variant="secondary" onClick={() => setCreating(true)}>
            New team
          </Button>
        }
      />
      <div className="grid gap-5 xl:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="flex flex-col gap-5">
          <Panel title={team.name}>
            <RenameForm key={team.id + team.name} team={team} />
          </Panel>
          <MembersPanel team={team} />
        </div>
        <div className="flex flex-col gap-5">
          <Panel title="Your other teams">
            {teams.data === undefined ? (
              teams.error ? (
                <ErrorState error={teams.error} onRetry={() => void teams.refetch()} />
              ) : (
                <LoadingRows rows={2} />
              )
            ) : others.length === 0 ? (
              <p className="px-4 py-4 text-[13px] text-ink-dim">You belong to no other team.</p>
            ) : (
              <ul>
                {others.map((t) => (
                  <li key={t.id} className="flex items-center justify-between gap-2 border-b border-line/70 px-4 py-2.5 last:border-b-0">
                    <div className="min-w-0">
                      <p className="truncate text-[13px]">{t.name}</p>
                      <p className="text-[12px] capitalize text-ink-faint">{t.role}</p>
                    </div>
                    <Button size="sm" onClick={() => void switchTeam(t.id).catch((err: unknown) => toast.error(`Could not switch: ${messageOf(err)}`))}>
                      Switch
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          <Panel title="Danger zone" className="border-rose-500/25">
            <div className="flex flex-col gap-3 p-4 text-[13px] text-ink-dim">
              <div className="flex items-center justify-between gap-3">
                <p>Leave this team. You lose access to its capsules.</p>
                <Button size="sm" variant="danger" onClick={() => setLeaving(true)}>
                  Leave team
                </Button>
              </div>
              {team.role === "owner" ? (
                <div className="flex items-center justify-between gap-3 border-t border-line pt-3">
                  <p>Delete the team for everyone; its API keys stop working. Destroy its capsules first.</p>
                  <Button size="sm" variant="danger" onClick={() => setDeleting(true)}>
                    Delete team
                  </Button>
                </div>
              ) : null}
            </div>
          </Panel>
        </div>
      </div>
      <CreateTeamDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={leaving}
        onClose={() => setLeaving(false)}
        title="Leave team?"
        body={
          <>
            You will no longer see <span className="text-ink">{team.name}</span>. Someone in it has to add you again to come back.
          </>
        }
        confirmLabel="Leave team"
        onConfirm={async () => {
          await actOnCurrentTeam(() => api("POST", `/teams/${team.id}/leave`));
        }}
      />
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        title="Delete team?"
        body={
          <>
            This deletes <span className="text-ink">{team.name}</span> for every member and its API keys stop working. It is refused while the team still has capsules. This cannot be undone.
          </>
        }
        typeToConfirm={team.name}
        confirmLabel="Delete team"
        onConfirm={async () => {
          await actOnCurrentTeam(() => api("DELETE", `/teams/${team.id}`));
        }}
      />
    </>
  );
}
