import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import { getSession, setSession } from "../../api/session";
import type { Team } from "../../api/types";
import { Button } from "../../components/button";
import { Field, FormError, Input } from "../../components/field";
import { FormDialog } from "../../components/form-dialog";
import { useSwitchTeam } from "../../components/layout";
import { Mono } from "../../components/page";
import { useToast } from "../../components/toast";
import { useFormSubmit } from "../../hooks/use-form-submit";

export const canManage = (role: Team["role"] | undefined): boolean => role === "owner" || role === "admin";

export function RenameForm({ team }: { team: Team }) {
  const [name, setName] = useState(team.name);
  const queryClient = useQueryClient();
  const toast = useToast();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    const updated = await api<Team>("PATCH", `/teams/${team.id}`, { body: { name: name.trim() } });
    const s = getSession();
    if (s && s.team.id === team.id) setSession({ ...s, team: { ...s.team, name: updated.name ?? name.trim() } });
    void queryClient.invalidateQueries({ queryKey: ["teams"] });
    toast.ok("Team renamed.");
  });
  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-3 p-4">
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

export function CreateTeamDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const queryClient = useQueryClient();
  const switchTeam = useSwitchTeam();
  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title="New team"
      description="You become its owner and switch to it."
      formId="create-team"
      submitLabel="Create team"
      onSubmit={async () => {
        const team = await api<Team>("POST", "/teams", { body: { name: name.trim() } });
        await queryClient.invalidateQueries({ queryKey: ["teams"] });
        setName("");
        onClose();
        await switchTeam(team.id);
      }}
    >
      <Field label="Team name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />}</Field>
    </FormDialog>
  );
}
