import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { api, itemsOf, messageOf } from "../api/client";
import { clearSession, getSession, setSession } from "../api/session";
import type { Session, Team, User } from "../api/types";
import { useSession } from "../api/use-session";
import { cx } from "./cx";
import { ErrorBoundary } from "./error-boundary";
import { Icon, type IconName } from "./icons";
import { useToast } from "./toast";

/** Who sees a nav entry: everyone, platform admins, or also owners and admins of a BYOC team (their own hosts). */
type Audience = "everyone" | "admin" | "admin-or-byoc-manager";

const nav: { to: string; label: string; icon: IconName; audience?: Audience }[] = [
  { to: "/capsules", label: "Capsules", icon: "capsules" },
  { to: "/templates", label: "Templates", icon: "templates" },
  { to: "/usage", label: "Usage", icon: "usage" },
  { to: "/api-keys", label: "API keys", icon: "keys" },
  { to: "/team", label: "Team", icon: "team" },
  { to: "/audit-log", label: "Audit log", icon: "audit" },
  { to: "/hosts", label: "Hosts", icon: "hosts", audience: "admin-or-byoc-manager" },
  { to: "/admin", label: "Admin", icon: "admin", audience: "admin" },
  { to: "/settings", label: "Settings", icon: "settings" },
];

function sees(session: Session | null, audience: Audience = "everyone"): boolean {
  if (audience === "everyone") return true;
  if (session?.user.is_admin) return true;
  return audience === "admin-or-byoc-manager" && Boolean(session?.team.is_byoc) && (session?.team.role === "owner" || session?.team.role === "admin");
}

/**
 * The session's user and team as signed in may be stale (made admin, team turned BYOC
 * since): GET /v1/me refreshes them, so the nav and pages follow without signing in again.
 */
function useRefreshedSession(): void {
  const session = useSession();
  const me = useQuery({ queryKey: ["me", "profile"], queryFn: ({ signal }) => api<{ user: User; teams: Team[] }>("GET", "/me", { signal }), staleTime: 60_000, retry: false });
  useEffect(() => {
    const s = getSession();
    if (!s || !me.data?.user || me.data.user.id !== s.user.id) return;
    const team = me.data.teams?.find((t) => t.id === s.team.id);
    const stale = me.data.user.is_admin !== s.user.is_admin || (team !== undefined && (team.is_byoc !== s.team.is_byoc || team.role !== s.team.role));
    if (stale) setSession({ ...s, user: { ...s.user, is_admin: me.data.user.is_admin }, team: team ? { ...s.team, is_byoc: team.is_byoc, role: team.role } : s.team });
  }, [me.data, session]);
}

export function useTeams() {
  return useQuery({ queryKey: ["teams"], queryFn: async () => itemsOf(await api<{ items: Team[] }>("GET", "/teams")) });
}

/** Switching team re-issues the token; every cached answer belonged to the old team. */
export function useSwitchTeam() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async (teamId: string, options: { navigate?: boolean } = {}): Promise<void> => {
    const session = await api<Session>("POST", "/auth/switch-team", { body: { team_id: teamId } });
    setSession(session);
    queryClient.clear();
    if (options.navigate !== false) navigate("/capsules");
  };
}

function TeamSwitcher() {
  const session = useSession();
  const teams = useTeams();
  const switchTeam = useSwitchTeam();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!session) return null;
  const list = teams.data ?? [session.team];
  return (
    <div className="px-3">
      <label htmlFor="team-switcher" className="mb-1 block px-1 text-[11px] font-medium uppercase tracking-wide text-ink-faint">
        Team
      </label>
      <select
        id="team-switcher"
        value={session.team.id}
        disabled={busy || list.length < 2}
        onChange={(e) => {
          setBusy(true);
          switchTeam(e.target.value)
            .catch((err: unknown) => toast.error(`Could not switch team: ${messageOf(err)}`))
            .finally(() => setBusy(false));
        }}
        className="h-8 w-full truncate rounded-md border border-line-strong bg-raised px-2 text-[13px] text-ink disabled:opacity-100"
      >
        {list.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Layout() {
  const session = useSession();
  useRefreshedSession();
  const navigate = useNavigate();
  const location = useLocation();
  return (
    <div className="flex h-full min-h-0">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-raised focus:px-3 focus:py-2">
        Skip to content
      </a>
      <aside className="flex w-56 shrink-0 flex-col border-r border-line bg-panel">
        <div className="flex h-14 items-center gap-2 px-4">
          <svg viewBox="0 0 32 32" className="h-6 w-6" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#1b2027" />
            <path d="M7 10l4 13 5-9 5 9 4-13" fill="none" stroke="#5eead4" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span className="text-[15px] font-semibold tracking-tight">Wrenn</span>
        </div>
        <TeamSwitcher />
        <nav aria-label="Main" className="mt-4 flex flex-1 flex-col gap-0.5 px-2">
          {nav
            .filter((n) => sees(session, n.audience))
            .map((n) => (
              <NavLink
                key={n.to}
                to={n.to}
                className={({ isActive }) =>
                  cx(
                    "flex h-8 items-center gap-2.5 rounded-md px-2.5 text-[13px] transition-colors",
                    isActive ? "bg-raised text-ink shadow-[inset_2px_0_0_var(--color-accent)]" : "text-ink-dim hover:bg-raised/60 hover:text-ink",
                  )
                }
              >
                <Icon name={n.icon} />
                {n.label}
              </NavLink>
            ))}
        </nav>
        <div className="border-t border-line p-3">
          <p className="truncate px-1 text-[12px] text-ink-dim" title={session?.user.email}>
            {session?.user.email}
          </p>
          <button
            type="button"
            onClick={() => {
              clearSession("signed_out");
              navigate("/sign-in");
            }}
            className="mt-2 flex h-7 w-full items-center gap-2 rounded-md px-1 text-[12px] text-ink-faint hover:bg-raised hover:text-ink"
          >
            <Icon name="signout" className="h-3.5 w-3.5" />
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto max-w-[1400px] px-8 py-7">
          <ErrorBoundary key={location.pathname}>
            <Outlet />
          </ErrorBoundary>
        </div>
      </main>
    </div>
  );
}
