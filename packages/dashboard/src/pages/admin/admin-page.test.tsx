// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearSession, setSession } from "../../api/session";
import type { AdminTeam, AdminUser, Session } from "../../api/types";
import { AppHarness, jsonResponse } from "../../test-support";
import { AdminPage } from "./admin-page";

const session: Session = {
  token: "h.p.s",
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  user: { id: "usr-admin", email: "root@example.com", name: "Root", status: "active", is_admin: true, default_team_id: "team-1", created_at: "2025-01-01T00:00:00Z" },
  team: { id: "team-1", name: "Ops", is_byoc: false, role: "owner", created_at: "2025-01-01T00:00:00Z" },
};
const research: AdminTeam = { id: "team-research", name: "Research", is_byoc: false, created_at: "2025-01-01T00:00:00Z", member_count: 3, capsule_count: 2 };
const ada: AdminUser = { id: "usr-ada", email: "ada@example.com", name: "Ada", status: "active", is_admin: false, created_at: "2025-01-01T00:00:00Z", team_count: 1 };

let fetchMock: ReturnType<typeof vi.fn>;
let calls: { method: string; url: string; body: unknown }[];
function serve(handler: (method: string, url: string) => Response | undefined): void {
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    const method = init?.method ?? "GET";
    calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return handler(method, url) ?? jsonResponse(404, { error: { code: "not_found", message: `no ${method} ${url}` } });
  });
}

beforeEach(() => {
  localStorage.clear();
  calls = [];
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
  setSession(session);
});
afterEach(() => {
  cleanup();
  clearSession();
  vi.unstubAllGlobals();
});

const renderAt = (path: string) =>
  render(
    <AppHarness path={path}>
      <Routes>
        <Route path="/admin/:tab" element={<AdminPage />} />
      </Routes>
    </AppHarness>,
  );

describe("AdminPage", () => {
  it("toggles BYOC for a team with PATCH", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/admin/teams") return jsonResponse(200, { teams: [research] });
      if (m === "PATCH" && url === `/v1/admin/teams/${research.id}`) return jsonResponse(200, { ...research, is_byoc: true });
      return undefined;
    });
    renderAt("/admin/teams");
    const toggle = await screen.findByRole("switch", { name: "BYOC for Research" });
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    fireEvent.click(toggle);
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ url: `/v1/admin/teams/${research.id}`, body: { is_byoc: true } }));
  });

  it("deletes a team only after its name is typed, and shows a refusal verbatim", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/admin/teams") return jsonResponse(200, { teams: [research] });
      if (m === "DELETE") return jsonResponse(409, { error: { code: "team_has_capsules", message: "team Research still has 2 capsules; destroy them first" } });
      return undefined;
    });
    renderAt("/admin/teams");
    fireEvent.click(await screen.findByRole("button", { name: "Delete team Research" }));
    const confirm = screen.getByRole("button", { name: "Delete team" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Type Research to confirm"), { target: { value: "Research" } });
    fireEvent.click(confirm);
    expect(await screen.findByText("team Research still has 2 capsules; destroy them first")).toBeTruthy();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`/v1/admin/teams/${research.id}`]);
  });

  it("searches users by e-mail and grants admin after confirming", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/admin/teams") return jsonResponse(200, { teams: [] });
      if (m === "GET" && url.startsWith("/v1/admin/users")) return jsonResponse(200, { users: url.includes("email=ada") ? [ada] : [ada, { ...ada, id: "usr-bob", email: "bob@example.com" }] });
      if (m === "PATCH" && url === `/v1/admin/users/${ada.id}`) return jsonResponse(200, { ...ada, is_admin: true });
      return undefined;
    });
    renderAt("/admin/users");
    await screen.findByText("bob@example.com");
    fireEvent.change(screen.getByLabelText("Search users by e-mail"), { target: { value: "ada" } });
    await waitFor(() => expect(screen.queryByText("bob@example.com")).toBeNull(), { timeout: 3000 });
    expect(calls.some((c) => c.url === "/v1/admin/users?email=ada")).toBe(true);
    const row = screen.getByText("ada@example.com").closest("tr")!;
    expect(within(row).getByText("Active")).toBeTruthy();
    fireEvent.click(within(row).getByRole("button", { name: "Make ada@example.com a platform admin" }));
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Grant admin" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ body: { is_admin: true } }));
  });

  it("deactivates an active user with status disabled", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/admin/teams") return jsonResponse(200, { teams: [] });
      if (m === "GET" && url.startsWith("/v1/admin/users")) return jsonResponse(200, { users: [ada] });
      if (m === "PATCH") return jsonResponse(200, { ...ada, status: "disabled" });
      return undefined;
    });
    renderAt("/admin/users");
    fireEvent.click(await screen.findByRole("button", { name: "Deactivate ada@example.com" }));
    fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ url: `/v1/admin/users/${ada.id}`, body: { status: "disabled" } }));
  });

  it("explains the page to non-admins with the API's message", async () => {
    serve((m, url) => (m === "GET" && url === "/v1/admin/teams" ? jsonResponse(403, { error: { code: "forbidden", message: "platform admins only" } }) : undefined));
    renderAt("/admin/teams");
    expect(await screen.findByText("For platform administrators")).toBeTruthy();
    expect(screen.getByText("platform admins only")).toBeTruthy();
  });
});
