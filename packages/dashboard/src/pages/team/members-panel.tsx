import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, itemsOf, messageOf } from "../../api/client";
import type { Member, Role, Team } from "../../api/types";
import { useSession } from "../../api/use-session";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { cx } from "../../components/cx";
import { Dialog } from "../../components/dialog";
import { Field, FormError, Input, Select } from "../../components/field";
import { Panel, table } from "../../components/page";
import { EmptyState, ErrorState, LoadingRows } from "../../components/states";
import { useToast } from "../../components/toast";
import { formatTime } from "../../lib/format";
import { canManage } from "./team-forms";

const roles: Role[] = ["owner", "admin", "member"];

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

export function MembersPanel({ team }: { team: Team }) {
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

