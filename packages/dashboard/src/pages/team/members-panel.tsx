import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, itemsOf, messageOf } from "../../api/client";
import type { Member, Role, Team } from "../../api/types";
import { useSession } from "../../api/use-session";
import { Button } from "../../components/button";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { DataTable } from "../../components/data-table";
import { Field, Input, Select } from "../../components/field";
import { FormDialog } from "../../components/form-dialog";
import { Panel } from "../../components/page";
import { EmptyState } from "../../components/states";
import { useToast } from "../../components/toast";
import { formatTime } from "../../lib/format";
import { canManage } from "./team-forms";

const roles: Role[] = ["owner", "admin", "member"];

function AddMemberDialog({ open, onClose, teamId }: { open: boolean; onClose: () => void; teamId: string }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const queryClient = useQueryClient();
  const close = (): void => {
    setEmail("");
    onClose();
  };
  return (
    <FormDialog
      open={open}
      onClose={close}
      title="Add member"
      description="The person needs a Wrenn account with this e-mail address."
      formId="add-member"
      submitLabel="Add member"
      onSubmit={async () => {
        await api("POST", `/teams/${teamId}/members`, { body: { email: email.trim(), role } });
        await queryClient.invalidateQueries({ queryKey: ["members", teamId] });
        setEmail("");
        onClose();
      }}
    >
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
    </FormDialog>
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
  const isMe = (m: Member): boolean => m.user_id === session?.user.id;
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
      <DataTable
        query={members}
        empty={<EmptyState title="No members" />}
        scroll={false}
        rowKey={(m) => m.user_id}
        columns={[
          {
            key: "email",
            header: "E-mail",
            className: "truncate",
            cell: (m) => (
              <>
                {m.email} {isMe(m) ? <span className="text-[12px] text-ink-faint">(you)</span> : null}
              </>
            ),
          },
          { key: "name", header: "Name", width: 170, className: "truncate text-ink-dim", cell: (m) => m.name || "—" },
          {
            key: "role",
            header: "Role",
            width: 140,
            cell: (m) =>
              manage && !isMe(m) ? (
                <Select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void changeRole(m, e.target.value as Role)} className="h-7 w-28">
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </Select>
              ) : (
                <span className="capitalize text-ink-dim">{m.role}</span>
              ),
          },
          { key: "joined", header: "Joined", width: 170, className: "text-ink-dim", cell: (m) => formatTime(m.joined_at) },
        ]}
        actions={(m) => [manage && !isMe(m) && { label: "Remove", ariaLabel: `Remove ${m.email}`, danger: true, onClick: () => setRemoving(m) }]}
      />
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

