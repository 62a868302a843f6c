// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearSession, setSession } from "../../api/session";
import type { Host, Session } from "../../api/types";
import { AppHarness, jsonResponse } from "../../test-support";
import { formatHeartbeat, formatSpecs, formatUsage, parseTags, registerCommand } from "./host-format";
import { HostsPage } from "./hosts-page";

const session = (isAdmin: boolean, team: Partial<Session["team"]> = {}): Session => ({
  token: "h.p.s",
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  user: { id: "usr-1", email: "ada@example.com", name: "Ada", status: "active", is_admin: isAdmin, default_team_id: "team-1", created_at: "2025-01-01T00:00:00Z" },
  team: { id: "team-1", name: "Ada's team", is_byoc: false, role: "owner", created_at: "2025-01-01T00:00:00Z", ...team },
});

const host = (id: string, over: Partial<Host> = {}): Host => ({
  id,
  type: "regular",
  team_id: null,
  address: "10.0.0.5:9726",
  status: "online",
  mode: "registered",
  arch: "x86_64",
  cpu_cores: 8,
  memory_mb: 16_384,
  disk_gb: 200,
  tags: ["gpu", "eu-west"],
  last_heartbeat_at: new Date(Date.now() - 12_000).toISOString(),
  created_at: "2025-01-01T00:00:00Z",
  stats: { cpu_percent: 42, memory_used_mb: 3072, disk_free_gb: 120, capsules: 2 },
  capsule_count: 2,
  ...over,
});

const online = host("host-online00000000000000000");
const pending = host("host-pending0000000000000000", { status: "pending", address: "", last_heartbeat_at: null, stats: {}, capsule_count: 0, tags: [] });

type Handler = (method: string, url: string, body: unknown) => Response | undefined;
let fetchMock: ReturnType<typeof vi.fn>;
let calls: { method: string; url: string; body: unknown }[];
function serve(handler: Handler): void {
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url, body });
    return handler(method, url, body) ?? jsonResponse(404, { error: { code: "not_found", message: `no ${method} ${url}` } });
  });
}

beforeEach(() => {
  localStorage.clear();
  calls = [];
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
  setSession(session(true));
});
afterEach(() => {
  cleanup();
  clearSession();
  vi.unstubAllGlobals();
});

const renderPage = () =>
  render(
    <AppHarness path="/hosts">
      <HostsPage />
    </AppHarness>,
  );

describe("formatHeartbeat", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const ago = (ms: number) => new Date(now - ms).toISOString();
  it("says never for a host that has not reported yet", () => {
    expect(formatHeartbeat(null, now)).toBe("never");
    expect(formatHeartbeat("not a date", now)).toBe("never");
  });
  it("counts seconds, minutes, hours and days", () => {
    expect(formatHeartbeat(ago(400), now)).toBe("just now");
    expect(formatHeartbeat(ago(12_000), now)).toBe("12 s ago");
    expect(formatHeartbeat(ago(59_999), now)).toBe("59 s ago");
    expect(formatHeartbeat(ago(60_000), now)).toBe("1 min ago");
    expect(formatHeartbeat(ago(3_599_000), now)).toBe("59 min ago");
    expect(formatHeartbeat(ago(2 * 3_600_000 + 5), now)).toBe("2 h ago");
    expect(formatHeartbeat(ago(3 * 86_400_000), now)).toBe("3 d ago");
  });
  it("never reads as the future when the host's clock runs ahead", () => {
    expect(formatHeartbeat(ago(-3000), now)).toBe("just now");
  });
});

describe("host formatting", () => {
  it("formats specs, usage, tags and the register command", () => {
    expect(formatSpecs(online)).toBe("8 cores · 16 GiB · 200 GB");
    expect(formatUsage(online)).toBe("CPU 42% · RAM 3 GiB used · 120 GB free");
    expect(formatUsage(pending)).toBe("—");
    expect(parseTags(" gpu, eu-west  gpu,,ssd ")).toEqual(["gpu", "eu-west", "ssd"]);
    expect(registerCommand("tok", "https://wrenn.example")).toBe("wrenn agent --register tok --address <host-ip>:9726 --control-plane https://wrenn.example");
  });
});

describe("HostsPage", () => {
  it("lists hosts with status words, specs, usage, tags and relative heartbeats", async () => {
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(200, { hosts: [online, pending] }) : undefined));
    renderPage();
    const row = (await screen.findByText(online.id)).closest("tr")!;
    expect(within(row).getByText("Online").getAttribute("data-status")).toBe("online");
    expect(within(row).getByText("10.0.0.5:9726")).toBeTruthy();
    expect(within(row).getByText("8 cores · 16 GiB · 200 GB")).toBeTruthy();
    expect(within(row).getByText("CPU 42% · RAM 3 GiB used · 120 GB free")).toBeTruthy();
    expect(within(row).getByText("gpu")).toBeTruthy();
    expect(within(row).getByTestId("host-type").textContent).toBe("Regular");
    expect(within(row).getByTestId("host-mode").textContent).toBe("Registered");
    expect(within(row).getByText("2")).toBeTruthy();
    expect(within(row).getByText(/^1[2-4] s ago$/)).toBeTruthy();
    const pendingRow = screen.getByText(pending.id).closest("tr")!;
    expect(within(pendingRow).getByText("Pending")).toBeTruthy();
    expect(within(pendingRow).getByText("never")).toBeTruthy();
    // Regenerating a token is offered for pending hosts only.
    expect(within(pendingRow).getByRole("button", { name: `Regenerate the registration token of ${pending.id}` })).toBeTruthy();
    expect(within(row).queryByRole("button", { name: /Regenerate/ })).toBeNull();
  });

  it("deletes without force first, then previews the capsules and forces only after the host id is typed", async () => {
    let listed = [online];
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: listed });
      if (m === "DELETE" && url === `/v1/hosts/${online.id}`)
        return jsonResponse(409, { error: { code: "host_has_capsules", message: "host still runs 2 capsules", details: { capsule_ids: ["cl-one", "cl-two"] } } });
      if (m === "DELETE" && url === `/v1/hosts/${online.id}?force=true`) {
        listed = [];
        return jsonResponse(204, null);
      }
      return undefined;
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Delete ${online.id}` }));
    fireEvent.click(screen.getByRole("button", { name: "Delete host" }));
    const preview = await screen.findByRole("list", { name: "Capsules to destroy" });
    expect(within(preview).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["cl-one", "cl-two"]);
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`/v1/hosts/${online.id}`]);

    const force = screen.getByRole("button", { name: "Destroy capsules and delete host" }) as HTMLButtonElement;
    expect(force.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(`Type ${online.id} to confirm`), { target: { value: "host-wrong" } });
    expect(force.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(`Type ${online.id} to confirm`), { target: { value: online.id } });
    expect(force.disabled).toBe(false);
    fireEvent.click(force);
    await screen.findByText("No hosts registered");
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`/v1/hosts/${online.id}`, `/v1/hosts/${online.id}?force=true`]);
  });

  it("deletes an idle host with the first call, never forcing", async () => {
    let listed = [pending];
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: listed });
      if (m === "DELETE" && url === `/v1/hosts/${pending.id}`) {
        listed = [];
        return jsonResponse(204, null);
      }
      return undefined;
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Delete ${pending.id}` }));
    fireEvent.click(screen.getByRole("button", { name: "Delete host" }));
    await screen.findByText("No hosts registered");
    expect(screen.queryByRole("list", { name: "Capsules to destroy" })).toBeNull();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`/v1/hosts/${pending.id}`]);
  });

  it("keeps any other delete failure in the dialog, verbatim", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: [online] });
      if (m === "DELETE") return jsonResponse(409, { error: { code: "conflict", message: "host is draining; wait for it to finish" } });
      return undefined;
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Delete ${online.id}` }));
    fireEvent.click(screen.getByRole("button", { name: "Delete host" }));
    expect(await screen.findByText("host is draining; wait for it to finish")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "Capsules to destroy" })).toBeNull();
  });

  it("registers a BYOC host for the current team and shows the one-time token, the command and the note", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: [] });
      if (m === "POST" && url === "/v1/hosts") return jsonResponse(201, { host: { ...pending, type: "byoc", team_id: "team-1" }, registration_token: "wrt_secret123" });
      return undefined;
    });
    renderPage();
    await screen.findByText("No hosts registered");
    fireEvent.click(screen.getAllByRole("button", { name: "Register host" })[0]!);
    const dialog = screen.getByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Type"), { target: { value: "byoc" } });
    expect((within(dialog).getByLabelText("Team id") as HTMLInputElement).value).toBe("team-1");
    fireEvent.change(within(dialog).getByLabelText("Tags"), { target: { value: "gpu, eu-west" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create token" }));
    const panel = await screen.findByTestId("host-token-panel");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ type: "byoc", team_id: "team-1", tags: ["gpu", "eu-west"] });
    expect(within(panel).getByTestId("host-registration-token").textContent).toBe("wrt_secret123");
    expect(within(panel).getByTestId("host-register-command").textContent).toBe(
      `wrenn agent --register wrt_secret123 --address <host-ip>:9726 --control-plane ${window.location.origin}`,
    );
    expect(within(panel).getByText(/shown once and expires in 1 hour/)).toBeTruthy();
    expect(within(panel).getByRole("button", { name: /^Copy token: wrt_secret123/ })).toBeTruthy();
    expect(within(panel).getByRole("button", { name: /^Copy command: wrenn agent --register/ })).toBeTruthy();
  });

  it("regenerates the token of a pending host into the same panel", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: [pending] });
      if (m === "POST" && url === `/v1/hosts/${pending.id}/token`) return jsonResponse(200, { host: pending, registration_token: "wrt_fresh456" });
      return undefined;
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Regenerate the registration token of ${pending.id}` }));
    const panel = await screen.findByTestId("host-token-panel");
    expect(within(panel).getByTestId("host-registration-token").textContent).toBe("wrt_fresh456");
    expect(within(panel).getByTestId("host-register-command").textContent).toContain("--register wrt_fresh456 ");
  });

  it("edits tags with PATCH", async () => {
    serve((m, url) => {
      if (m === "GET" && url === "/v1/hosts") return jsonResponse(200, { hosts: [online] });
      if (m === "PATCH" && url === `/v1/hosts/${online.id}`) return jsonResponse(200, { ...online, tags: ["ssd"] });
      return undefined;
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Edit tags of ${online.id}` }));
    const input = screen.getByRole("dialog").querySelector("input")!;
    expect(input.value).toBe("gpu, eu-west");
    fireEvent.change(input, { target: { value: "ssd" } });
    fireEvent.click(screen.getByRole("button", { name: "Save tags" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ tags: ["ssd"] }));
  });

  it("starts the tags editor from the host's tags again after a cancelled edit", async () => {
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(200, { hosts: [online] }) : undefined));
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: `Edit tags of ${online.id}` }));
    fireEvent.change(screen.getByRole("dialog").querySelector("input")!, { target: { value: "typed but not saved" } });
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.click(screen.getByRole("button", { name: `Edit tags of ${online.id}` }));
    expect(screen.getByRole("dialog").querySelector("input")!.value).toBe("gpu, eu-west");
  });

  it("explains the page to users the API refuses, with the API's message", async () => {
    setSession(session(false));
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(403, { error: { code: "forbidden", message: "only platform admins and owners of a BYOC team can list hosts" } }) : undefined));
    renderPage();
    expect(await screen.findByText("Hosts are for platform administrators")).toBeTruthy();
    expect(screen.getByText("only platform admins and owners of a BYOC team can list hosts")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Register host" })).toBeNull();
  });

  it("explains the page to an owner of a team without BYOC, whom the API answers an empty list", async () => {
    setSession(session(false));
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(200, { hosts: [] }) : undefined));
    renderPage();
    expect(await screen.findByText("Hosts are for platform administrators")).toBeTruthy();
    expect(screen.getByText("Ada's team is not enabled for bring-your-own-cloud hosts.")).toBeTruthy();
    expect(screen.queryByText("No hosts registered")).toBeNull();
    expect(screen.queryByRole("button", { name: "Register host" })).toBeNull();
  });

  it("shows which hosts are static and which registered", async () => {
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(200, { hosts: [host("host-static", { mode: "static", address: "127.0.0.1:9726" })] }) : undefined));
    renderPage();
    const row = (await screen.findByText("host-static")).closest("tr")!;
    expect(within(row).getByTestId("host-mode").textContent).toBe("Static");
  });

  it("shows other load failures verbatim with a retry", async () => {
    serve((m, url) => (m === "GET" && url === "/v1/hosts" ? jsonResponse(500, { error: { code: "internal_error", message: "database is unavailable" } }) : undefined));
    renderPage();
    expect(await screen.findByText("database is unavailable", {}, { timeout: 5000 })).toBeTruthy();
    expect(screen.getByText("Could not list hosts")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
