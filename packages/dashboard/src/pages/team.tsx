import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, itemsOf, messageOf } from "../api/client";
import { clearSession, getSession, setSession } from "../api/session";
import type { Member, Role, Team } from "../api/types";
import { useSession } from "../api/use-session";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { cx } from "../components/cx";
import { Dialog } from "../components/dialog";
import { Field, FormError, Input, Select } from "../components/field";
import { useSwitchTeam, useTeams } from "../components/layout";
import { Mono, PageHeader, Panel, table } from "../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../components/states";
import { useToast } from "../components/toast";
import { formatTime } from "../lib/format";

const roles: Role[] = ["owner", "admin", "member"];
const canManage = (role: Role | undefined): boolean => role === "owner" || role === "admin";

function RenameForm({ team }: { team: Team }) {
  const [name, setName] = useState(team.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const toast = useToast();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const updated = await api<Team>("PATCH", `/teams/${team.id}`, { body: { name: name.trim() } });
      const s = getSession();
      if (s && s.team.id === team.id) setSession({ ...s, team: { ...s.team, name: updated.name ?? name.trim() } });
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      toast.ok("Team renamed.");
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-3 p-4">
      <div className="flex items-end gap-2">
        <Field label="Team name" className="flex-1">
          {(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} disabled={!canManage(team.role)} />}
        </Field>
        <Button type="submit" busy={busy} disabled={!canManage(team.role) || name.trim() === team.name || !name.trim()}>
          Rename
        </Button>
      </div>
      {!canManage(team.role) ? <p className="text-[12px] text-ink-faint">Only owners and admins can rename the team.</p> : null}
      <FormError message={error} />
      <dl className="grid grid-cols-2 gap-3 text-[12px]">
        <div>
          <dt className="text-ink-faint">Team id</dt>
          <dd className="break-all">
            <Mono>{team.id}</Mono>
          </dd>
        </div>
        <div>
          <dt className="text-ink-faint">Your role</dt>
          <dd className="capitalize">{team.role}</dd>
        </div>
      </dl>
    </form>
  );
}

function AddMemberDialog({ open, onClose, teamId }: { open: boolean; onClose: () => void; teamId: string }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const close = (): void => {
    if (busy) return;
    setEmail("");
    setError(null);
    onClose();
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", `/teams/${teamId}/members`, { body: { email: email.trim(), role } });
      await queryClient.invalidateQueries({ queryKey: ["members", teamId] });
      setEmail("");
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
      onClose={close}
      title="Add member"
      description="The person needs a Wrenn account with this e-mail address."
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="add-member" variant="primary" busy={busy}>
            Add member
          </Button>
        </>
      }
    >
      <form id="add-member" onSubmit={(e) => void submit(e)} className="flex flex-col gap-3">
        <Field label="E-mail">{(id) => <Input id={id} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />}</Field>
        <Field label="Role" hint="Admins manage members and keys; owners can also delete the team.">
          {(id) => (
            <Select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <FormError message={error} />
      </form>
    </Dialog>
  );
}

function CreateTeamDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const switchTeam = useSwitchTeam();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const team = await api<Team>("POST", "/teams", { body: { name: name.trim() } });
      await queryClient.invalidateQueries({ queryKey: ["teams"] });
      setName("");
      onClose();
      await switchTeam(team.id);
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
      title="New team"
      description="You become its owner and switch to it."
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" form="create-team" variant="primary" busy={busy}>
            Create team
          </Button>
        </>
      }
    >
      <form id="create-team" onSubmit={(e) => void submit(e)} className="flex flex-col gap-3">
        <Field label="Team name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />}</Field>
        <FormError message={error} />
      </form>
    </Dialog>
  );
}

function Members({ team }: { team: Team }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const members = useQuery({ queryKey: ["members", team.id], queryFn: async () => itemsOf(await api<{ items: Member[] }>("GET", `/teams/${team.id}/members`)) });
  const manage = canManage(team.role);
  const changeRole = async (m: Member, role: Role): Promise<void> => {
    try {
      await api("PATCH", `/teams/${team.id}/members/${m.user_id}`, { body: { role } });
      await queryClient.invalidateQueries({ queryKey: ["members", team.id] });
      toast.ok(`${m.email} is now ${role}.`);
    } catch (err) {
      toast.error(`Could not change the role of ${m.email}: ${messageOf(err)}`);
    }
  };
  return (
    <Panel
      title="Members"
      actions={
        manage ? (
          <Button size="sm" variant="primary" onClick={() => setAdding(true)}>
            Add member
          </Button>
        ) : null
      }
    >
      {members.data === undefined ? (
        members.error ? (
          <ErrorState error={members.error} onRetry={() => void members.refetch()} />
        ) : (
          <LoadingRows rows={3} />
        )
      ) : members.data.length === 0 ? (
        <EmptyState title="No members" />
      ) : (
        <table className={cx(table.table, "table-fixed")}>
          <colgroup>
            <col />
            <col style={{ width: 170 }} />
            <col style={{ width: 140 }} />
            <col style={{ width: 170 }} />
            <col style={{ width: 100 }} />
          </colgroup>
          <thead>
            <tr>
              <th className={table.th}>E-mail</th>
              <th className={table.th}>Name</th>
              <th className={table.th}>Role</th>
              <th className={table.th}>Joined</th>
              <th className={table.th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => {
              const me = m.user_id === session?.user.id;
              return (
                <tr key={m.user_id} className={table.tr}>
                  <td className={cx(table.td, "truncate")}>
                    {m.email} {me ? <span className="text-[12px] text-ink-faint">(you)</span> : null}
                  </td>
                  <td className={cx(table.td, "truncate text-ink-dim")}>{m.name || "—"}</td>
                  <td className={table.td}>
                    {manage && !me ? (
                      <Select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void changeRole(m, e.target.value as Role)} className="h-7 w-28">
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </Select>
                    ) : (
                      <span className="capitalize text-ink-dim">{m.role}</span>
                    )}
                  </td>
                  <td className={cx(table.td, "text-ink-dim")}>{formatTime(m.joined_at)}</td>
                  <td className={table.td}>
                    {manage && !me ? (
                      <div className="flex justify-end">
                        <Button size="sm" variant="danger" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                          Remove
                        </Button>
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <AddMemberDialog open={adding} onClose={() => setAdding(false)} teamId={team.id} />
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove member?"
        body={
          <>
            <span className="text-ink">{removing?.email}</span> loses access to this team’s capsules, templates and keys.
          </>
        }
        confirmLabel="Remove"
        onConfirm={async () => {
          await api("DELETE", `/teams/${team.id}/members/${removing!.user_id}`);
          await queryClient.invalidateQueries({ queryKey: ["members", team.id] });
        }}
      />
    </Panel>
  );
}

export function TeamPage() {
  const session = useSession();
  const teams = useTeams();
  const switchTeam = useSwitchTeam();
  const toast = useToast();
  const [leaving, setLeaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [creating, setCreating] = useState(false);
  if (!session) return null;
  const team = teams.data?.find((t) => t.id === session.team.id) ?? session.team;
  const others = teams.data?.filter((t) => t.id !== team.id) ?? [];

  /** After leaving or deleting the current team, continue in another one (or sign in again). */
  const moveOn = async (): Promise<void> => {
    const rest = itemsOf(await api<{ items: Team[] }>("GET", "/teams")).filter((t) => t.id !== team.id);
    if (rest[0]) await switchTeam(rest[0].id);
    else clearSession("signed_out");
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
          <Members team={team} />
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
          await api("POST", `/teams/${team.id}/leave`);
          await moveOn();
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
          await api("DELETE", `/teams/${team.id}`);
          await moveOn();
        }}
      />
    </>
  );
}
