import { Navigate, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { PageHeader, Panel } from "../../components/page";
import { EmptyState } from "../../components/states";
import { TabLinks } from "../../components/tabs";
import { TeamsTab, useAdminTeams } from "./teams-tab";
import { UsersTab } from "./users-tab";

const tabs = [
  { to: "/admin/teams", label: "Teams" },
  { to: "/admin/users", label: "Users" },
];

/** Platform administration: every team and user of this installation. */
export function AdminPage() {
  const { tab } = useParams();
  // The teams list doubles as the permission check: a 403 explains the page to non-admins.
  const teams = useAdminTeams();
  if (tab !== "teams" && tab !== "users") return <Navigate to="/admin/teams" replace />;
  const forbidden = teams.error instanceof ApiError && teams.error.status === 403 ? teams.error : null;
  return (
    <>
      <PageHeader title="Admin" description="Every team and user of this Wrenn installation." />
      {forbidden ? (
        <Panel>
          <EmptyState title="For platform administrators">
            <p className="font-mono text-[12px] text-ink-dim">{forbidden.message}</p>
            <p className="mt-2">Platform administrators manage teams, users and hosts of this installation.</p>
          </EmptyState>
        </Panel>
      ) : (
        <div className="flex flex-col gap-4">
          <TabLinks label="Admin sections" tabs={tabs} />
          <Panel>{tab === "teams" ? <TeamsTab teams={teams} /> : <UsersTab />}</Panel>
        </div>
      )}
    </>
  );
}
