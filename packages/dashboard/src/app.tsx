import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useSession } from "./api/use-session";
import { Layout } from "./components/layout";
import { LoadingRows } from "./components/states";
import { ActivatePage } from "./pages/auth/activate";
import { ForgotPasswordPage } from "./pages/auth/forgot-password";
import { ResetPasswordPage } from "./pages/auth/reset-password";
import { SignInPage } from "./pages/auth/sign-in";
import { SignUpPage } from "./pages/auth/sign-up";
import { ApiKeysPage } from "./pages/api-keys";
import { AuditLogPage } from "./pages/audit-log";
import { CapsuleDetailPage } from "./pages/capsules/detail";
import { CapsulesPage } from "./pages/capsules/list";
import { NotFoundPage } from "./pages/not-found";
import { SettingsPage } from "./pages/settings";
import { TeamPage } from "./pages/team/team-page";
import { TemplatesPage } from "./pages/templates";
import { UsagePage } from "./pages/usage";

// Pages only platform admins (and BYOC team managers) open: not in the first download.
const HostsPage = lazy(() => import("./pages/hosts/hosts-page").then((m) => ({ default: m.HostsPage })));
const AdminPage = lazy(() => import("./pages/admin/admin-page").then((m) => ({ default: m.AdminPage })));

function LazyPage({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<LoadingRows rows={4} label="Loading page" />}>{children}</Suspense>;
}

/** Signed-in pages; anyone else goes to sign-in and comes back afterwards. */
function RequireSession({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const queryClient = useQueryClient();
  useEffect(() => {
    // Cached answers belong to the session that fetched them.
    if (!session) queryClient.clear();
  }, [session, queryClient]);
  if (!session) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/sign-up" element={<SignUpPage />} />
      <Route path="/activate" element={<ActivatePage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="/capsules" replace />} />
        <Route path="/capsules" element={<CapsulesPage />} />
        <Route path="/capsules/:id" element={<Navigate to="terminal" replace />} />
        <Route path="/capsules/:id/:tab" element={<CapsuleDetailPage />} />
        <Route path="/templates" element={<TemplatesPage />} />
        <Route path="/usage" element={<UsagePage />} />
        <Route path="/api-keys" element={<ApiKeysPage />} />
        <Route path="/team" element={<TeamPage />} />
        <Route path="/audit-log" element={<AuditLogPage />} />
        <Route
          path="/hosts"
          element={
            <LazyPage>
              <HostsPage />
            </LazyPage>
          }
        />
        <Route path="/admin" element={<Navigate to="/admin/teams" replace />} />
        <Route
          path="/admin/:tab"
          element={
            <LazyPage>
              <AdminPage />
            </LazyPage>
          }
        />
        <Route path="/settings" element={<SettingsPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
