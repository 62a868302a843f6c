import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import { clearSession, getSession, setSession } from "../api/session";
import type { User } from "../api/types";
import { Button } from "../components/button";
import { ConfirmDialog } from "../components/confirm-dialog";
import { Field, FormError, Input } from "../components/field";
import { Mono, PageHeader, Panel } from "../components/page";
import { ErrorState, LoadingRows } from "../components/states";
import { useToast } from "../components/toast";
import { useFormSubmit } from "../hooks/use-form-submit";
import { formatTime } from "../lib/format";

function Profile({ user }: { user: User }) {
  const [name, setName] = useState(user.name);
  const toast = useToast();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    const updated = await api<User>("PATCH", "/me", { body: { name: name.trim() } });
    const s = getSession();
    if (s) setSession({ ...s, user: { ...s.user, ...updated } });
    toast.ok("Profile saved.");
  });
  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4 p-4">
      <Field label="E-mail">{(id) => <Input id={id} value={user.email} disabled />}</Field>
      <Field label="Name">{(id) => <Input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="name" />}</Field>
      <dl className="grid grid-cols-2 gap-3 text-[12px]">
        <div>
          <dt className="text-ink-faint">User id</dt>
          <dd className="break-all">
            <Mono>{user.id}</Mono>
          </dd>
        </div>
        <div>
          <dt className="text-ink-faint">Member since</dt>
          <dd>{formatTime(user.created_at)}</dd>
        </div>
      </dl>
      <FormError message={error} />
      <div>
        <Button type="submit" busy={busy} disabled={name.trim() === user.name}>
          Save profile
        </Button>
      </div>
    </form>
  );
}

function Password() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const toast = useToast();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    await api("POST", "/me/password", { body: { current_password: current, new_password: next } });
    setCurrent("");
    setNext("");
    toast.ok("Password changed.");
  });
  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4 p-4">
      <Field label="Current password">{(id) => <Input id={id} type="password" value={current} onChange={(e) => setCurrent(e.target.value)} required autoComplete="current-password" />}</Field>
      <Field label="New password" hint="At least 8 characters.">
        {(id) => <Input id={id} type="password" value={next} onChange={(e) => setNext(e.target.value)} required autoComplete="new-password" />}
      </Field>
      <FormError message={error} />
      <div>
        <Button type="submit" busy={busy}>
          Change password
        </Button>
      </div>
    </form>
  );
}

export function SettingsPage() {
  const me = useQuery({ queryKey: ["me"], queryFn: async () => (await api<{ user: User; teams: unknown[] }>("GET", "/me")).user });
  const [deleting, setDeleting] = useState(false);
  return (
    <>
      <PageHeader title="Settings" description="Your account, across all your teams." />
      <div className="grid max-w-4xl gap-5 lg:grid-cols-2">
        <Panel title="Profile">
          {me.data ? <Profile key={me.data.id} user={me.data} /> : me.error ? <ErrorState error={me.error} onRetry={() => void me.refetch()} /> : <LoadingRows rows={3} />}
        </Panel>
        <Panel title="Password">
          <Password />
        </Panel>
        <Panel title="Delete account" className="border-rose-500/25 lg:col-span-2">
          <div className="flex items-center justify-between gap-4 p-4 text-[13px] text-ink-dim">
            <p>Deletes your account and signs you out. Teams where you are the only member are deleted with it; API keys you created are revoked.</p>
            <Button variant="danger" onClick={() => setDeleting(true)}>
              Delete account
            </Button>
          </div>
        </Panel>
      </div>
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        title="Delete your account?"
        body={
          <p>
            This cannot be undone. It is refused while you are the only owner of a team with other members, or a team that would be deleted still has capsules.
          </p>
        }
        typeToConfirm={me.data?.email ?? "delete"}
        confirmLabel="Delete account"
        onConfirm={async () => {
          await api("DELETE", "/me");
          clearSession("signed_out");
        }}
      />
    </>
  );
}
