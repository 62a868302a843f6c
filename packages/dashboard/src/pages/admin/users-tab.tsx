import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { api } from "../../api/client";
import type { AdminUser } from "../../api/types";
import { useSession } from "../../api/use-session";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { DataTable } from "../../components/data-table";
import { Input } from "../../components/field";
import { EmptyState } from "../../components/states";
import { StatusBadge } from "../../components/status-badge";
import { useToast } from "../../components/toast";
import { formatTime } from "../../lib/format";

/** A change to one user, asked before it is made. */
interface UserChange {
  user: AdminUser;
  body: { status?: AdminUser["status"]; is_admin?: boolean };
  title: string;
  confirmLabel: string;
  danger: boolean;
  message: ReactNode;
  done: string;
}

function changeFor(user: AdminUser, kind: "activate" | "deactivate" | "grant" | "revoke", self: boolean): UserChange {
  const who = <span className="text-ink">{user.email}</span>;
  switch (kind) {
    case "activate":
      return { user, body: { status: "active" }, title: "Activate user?", confirmLabel: "Activate", danger: false, done: `${user.email} is active.`, message: <>{who} can sign in and use their teams.</> };
    case "deactivate":
      return {
        user,
        body: { status: "disabled" },
        title: "Deactivate user?",
        confirmLabel: "Deactivate",
        danger: true,
        done: `${user.email} is deactivated.`,
        message: <>{who} is signed out everywhere and can no longer sign in. Their teams, capsules and API keys stay.</>,
      };
    case "grant":
      return {
        user,
        body: { is_admin: true },
        title: "Make platform admin?",
        confirmLabel: "Grant admin",
        danger: false,
        done: `${user.email} is a platform admin.`,
        message: <>{who} will manage every team, user and host of this installation.</>,
      };
    case "revoke":
      return {
        user,
        body: { is_admin: false },
        title: "Revoke platform admin?",
        confirmLabel: "Revoke admin",
        danger: true,
        done: `${user.email} is no longer a platform admin.`,
        message: (
          <>
            {who} loses access to the admin and hosts pages.{self ? " That is you: you lose it too." : ""}
          </>
        ),
      };
  }
}

/** Users by e-mail: activate or deactivate them, grant or revoke platform admin. */
export function UsersTab() {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [input, setInput] = useState("");
  const [email, setEmail] = useState("");
  const [change, setChange] = useState<UserChange | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setEmail(input.trim()), 300);
    return () => clearTimeout(t);
  }, [input]);
  const users = useQuery({
    queryKey: ["admin", "users", email],
    queryFn: async ({ signal }) => (await api<{ users: AdminUser[] }>("GET", "/admin/users", { query: { email }, signal })).users ?? [],
    placeholderData: (previous) => previous,
  });
  const ask = (u: AdminUser, kind: Parameters<typeof changeFor>[1]): void => setChange(changeFor(u, kind, u.id === session?.user.id));
  return (
    <>
      <div className="border-b border-line px-3 py-2.5">
        <Input type="search" aria-label="Search users by e-mail" placeholder="Search by e-mail" value={input} onChange={(e) => setInput(e.target.value)} className="w-72" />
      </div>
      <DataTable
        query={users}
        errorTitle="Could not list users"
        empty={<EmptyState title={email ? "No users match" : "No users"}>{email ? `Nobody’s e-mail contains “${email}”.` : null}</EmptyState>}
        testId="admin-users-table"
        label="Users"
        rowKey={(u) => u.id}
        rowData={(u) => ({ "data-user-email": u.email })}
        actionsWidth={250}
        columns={[
          {
            key: "email",
            header: "E-mail",
            className: "truncate",
            cell: (u) => (
              <>
                {u.email} {u.id === session?.user.id ? <span className="text-[12px] text-ink-faint">(you)</span> : null}
              </>
            ),
          },
          { key: "name", header: "Name", width: 170, className: "truncate text-ink-dim", cell: (u) => u.name || "—" },
          { key: "status", header: "Status", width: 130, cell: (u) => <StatusBadge status={u.status} /> },
          { key: "admin", header: "Platform admin", width: 130, className: "text-ink-dim", cell: (u) => (u.is_admin ? "Admin" : "—") },
          { key: "teams", header: "Teams", width: 80, className: "tabular-nums text-ink-dim", cell: (u) => u.team_count },
          { key: "created", header: "Created", width: 170, className: "text-ink-dim", cell: (u) => formatTime(u.created_at) },
        ]}
        actions={(u) => [
          u.status === "active"
            ? { label: "Deactivate", ariaLabel: `Deactivate ${u.email}`, danger: true, onClick: () => ask(u, "deactivate") }
            : { label: "Activate", ariaLabel: `Activate ${u.email}`, onClick: () => ask(u, "activate") },
          u.is_admin
            ? { label: "Revoke admin", ariaLabel: `Revoke platform admin from ${u.email}`, danger: true, onClick: () => ask(u, "revoke") }
            : { label: "Grant admin", ariaLabel: `Make ${u.email} a platform admin`, onClick: () => ask(u, "grant") },
        ]}
      />
      <ConfirmDialog
        open={change !== null}
        onClose={() => setChange(null)}
        title={change?.title ?? ""}
        body={change?.message}
        confirmLabel={change?.confirmLabel ?? ""}
        danger={change?.danger ?? false}
        onConfirm={async () => {
          const c = change!;
          await api("PATCH", `/admin/users/${c.user.id}`, { body: c.body });
          await queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
          toast.ok(c.done);
        }}
      />
    </>
  );
}
