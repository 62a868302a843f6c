// The Hosts and Admin pages in a real browser (Debian chromium via playwright-core) against a
// real control plane serving the built dashboard, on its real fleet and admin APIs. There is
// no host agent: the stack's static host points at an address nobody answers, and the
// "registered" hosts are registered by this test calling POST /v1/hosts/register itself, as
// `wrenn agent --register` would.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newId } from "@wrenn/core";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startStack, type Stack } from "../integration/control-plane/support/stack.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = `${repoRoot}test-artifacts/screenshots`;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const SPECS = { address: "10.0.0.9:9726", arch: "x86_64", cpu_cores: 2, memory_mb: 2048, disk_gb: 10 };
/** The words a host status badge may carry (lib/status.ts). */
const STATUS_WORDS: Record<string, string> = { pending: "Pending", online: "Online", unreachable: "Unreachable", draining: "Draining" };

describe("hosts and admin pages in a browser", () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let adminContext: BrowserContext | undefined;
  let userContext: BrowserContext | undefined;
  let page: Page;
  /** The second user's page (not a platform admin). */
  let userPage: Page;
  let user: Awaited<ReturnType<Stack["newAccount"]>>;
  /** The second user's browser session token (a JWT), as the dashboard keeps it. */
  let userToken = "";
  /** The host registered in step 2 (online, at SPECS.address). */
  let registeredHostId = "";
  const pageErrors: string[] = [];
  let adminToken: string | undefined;
  /** The platform admin's session token (host management and admin routes want a user session). */
  const adminSession = async (): Promise<string> => (adminToken ??= await sessionOf(stack!, stack!.account));

  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: `${SHOTS}/${name}.png` });
  };
  const hostRow = (id: string) => page.locator(`tr[data-host-id="${id}"]`);
  /** Each test starts on a freshly loaded page, so one failing test leaves no dialog open for the next. */
  const openHosts = async (): Promise<void> => {
    await page.goto(`${stack!.url}/hosts`);
    await page.getByRole("heading", { name: "Hosts" }).waitFor();
    await hostRow(stack!.cp.staticHostId!).waitFor();
  };
  const register = (token: string) => stack!.api("POST", "/v1/hosts/register", { auth: null, body: { token, ...SPECS } });
  const signIn = async (p: Page, email: string, password: string): Promise<void> => {
    await p.goto(`${stack!.url}/sign-in`);
    await p.getByLabel("E-mail").fill(email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL("**/capsules");
  };
  /** Opens the register dialog, creates a regular host and answers the token and command the dialog shows. */
  const registerThroughDialog = async (): Promise<{ hostId: string; token: string; command: string }> => {
    await page.getByRole("button", { name: "Register host" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Register host" }).waitFor();
    expect(await dialog.getByLabel("Type").inputValue()).toBe("regular");
    await dialog.getByRole("button", { name: "Create token" }).click();
    const panel = dialog.getByTestId("host-token-panel");
    await panel.waitFor();
    const token = ((await panel.getByTestId("host-registration-token").textContent()) ?? "").trim();
    const command = ((await panel.getByTestId("host-register-command").textContent()) ?? "").trim();
    const hostId = ((await panel.locator("p").first().locator("span.font-mono").textContent()) ?? "").trim();
    return { hostId, token, command };
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The dashboard was built from the sources by tests/setup/build-dashboard.ts.
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl") });
    user = await stack.newAccount(`lin-${Date.now()}@example.test`);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    adminContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await adminContext.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (err) => pageErrors.push(err.message));
    userContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    userPage = await userContext.newPage();
    userPage.setDefaultTimeout(20_000);
    userPage.on("pageerror", (err) => pageErrors.push(err.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await stack?.close();
  }, 60_000);

  it("lists the stack's static host with its address, its mode and a status badge in words", async () => {
    const listed = await stack!.api<{ hosts: { id: string; address: string; mode: string; status: string }[] }>("GET", "/v1/hosts", { auth: await adminSession() });
    expect(listed.status).toBe(200);
    const staticHost = listed.body.hosts.find((h) => h.id === stack!.cp.staticHostId);
    expect(staticHost?.mode).toBe("static");

    await signIn(page, stack!.account.email, stack!.account.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Hosts" }).click();
    await page.waitForURL("**/hosts");
    await page.getByRole("heading", { name: "Hosts" }).waitFor();
    const row = hostRow(stack!.cp.staticHostId!);
    await row.waitFor();
    expect(await page.locator("tr[data-host-id]").count()).toBe(1);
    expect(((await row.locator('[data-column="address"]').textContent()) ?? "").trim()).toBe(staticHost!.address);
    expect(staticHost!.address).toBe("http://127.0.0.1:1");
    // Visible whole, not cut off by the column.
    const address = row.locator('[data-column="address"]');
    expect(await address.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
    expect(await row.getByTestId("host-mode").textContent()).toBe("Static");
    // Colour and word: the badge says the status (as the API has it) in text.
    const badge = row.locator("[data-status]");
    expect(await badge.getAttribute("data-status")).toBe(staticHost!.status);
    expect(((await badge.textContent()) ?? "").trim()).toBe(STATUS_WORDS[staticHost!.status]);
    await shot(page, "hosts-static");
  });

  it("registers a regular host: the token shown is the one that works, and the host comes online in the list", async () => {
    await openHosts();
    const { hostId, token, command } = await registerThroughDialog();
    expect(hostId).toMatch(/^host-/);
    expect(token).toMatch(/^wrh_/);
    expect(command).toBe(`wrenn agent --register ${token} --address <host-ip>:9726 --control-plane ${stack!.url}`);
    await shot(page, "hosts-register-token");
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    // The new host is pending in the list until its agent registers.
    const row = hostRow(hostId);
    await expect.poll(() => row.locator("[data-status]").getAttribute("data-status")).toBe("pending");
    expect(await row.getByTestId("host-mode").textContent()).toBe("Registered");

    // What `wrenn agent --register` does, with exactly the token the page showed.
    const registered = await register(token);
    expect(registered.status, registered.text).toBe(200);
    expect(registered.body.host.id).toBe(hostId);
    expect(registered.body.cert_pem).toContain("BEGIN CERTIFICATE");
    // The one-time token is spent.
    expect((await register(token)).status).toBe(401);
    registeredHostId = hostId;

    // The page refreshes on its own (every 5 s): no reload.
    await expect.poll(() => row.locator("[data-status]").textContent(), { timeout: 15_000 }).toBe("Online");
    expect(await row.locator("[data-status]").getAttribute("data-status")).toBe("online");
    expect(((await row.locator('[data-column="address"]').textContent()) ?? "").trim()).toBe(SPECS.address);
    expect(await row.locator('[data-column="capacity"]').textContent()).toContain("2 cores");
    await shot(page, "hosts-registered-online");
  });

  it("regenerates a pending host's token from its row: a new token, and the old one stops registering", async () => {
    await openHosts();
    const first = await registerThroughDialog();
    await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const row = hostRow(first.hostId);
    await expect.poll(() => row.locator("[data-status]").getAttribute("data-status")).toBe("pending");
    // Only pending hosts offer a new token.
    expect(await hostRow(registeredHostId).getByRole("button", { name: /Regenerate/ }).count()).toBe(0);

    await row.getByRole("button", { name: `Regenerate the registration token of ${first.hostId}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "New registration token" }).waitFor();
    const panel = dialog.getByTestId("host-token-panel");
    const second = ((await panel.getByTestId("host-registration-token").textContent()) ?? "").trim();
    expect(second).toMatch(/^wrh_/);
    expect(second).not.toBe(first.token);
    expect(await panel.getByTestId("host-register-command").textContent()).toBe(`wrenn agent --register ${second} --address <host-ip>:9726 --control-plane ${stack!.url}`);
    expect(await panel.textContent()).toContain(first.hostId);
    await shot(page, "hosts-regenerated-token");
    await dialog.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    const old = await register(first.token);
    expect(old.status, old.text).toBe(401);
    // Still pending: the refused attempt changed nothing.
    const listed = await stack!.api<{ hosts: { id: string; status: string }[] }>("GET", "/v1/hosts", { auth: await adminSession() });
    expect(listed.body.hosts.find((h) => h.id === first.hostId)?.status).toBe("pending");
  });

  it("deletes a host that holds a capsule: previews it, wants the host id typed, and stops the capsule", async () => {
    expect(registeredHostId, "the host registered by the test before").toMatch(/^host-/);
    await openHosts();
    const db = stack!.cp.deps.db;
    const capsuleId = newId("capsule");
    await db
      .insertInto("capsules")
      .values({
        id: capsuleId,
        team_id: stack!.account.teamId,
        host_id: registeredHostId,
        template: "minimal",
        status: "running",
        vcpus: 1,
        memory_mb: 512,
        disk_mb: 2048,
        started_at: new Date(),
        last_active_at: new Date(),
      })
      .execute();
    const row = hostRow(registeredHostId);
    await expect.poll(() => row.locator('[data-column="capsules"]').textContent(), { timeout: 15_000 }).toBe("1");

    await row.getByRole("button", { name: `Delete ${registeredHostId}` }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Delete host?" }).waitFor();
    await dialog.getByRole("button", { name: "Delete host" }).click();

    // The API refused (409 host_has_capsules): the preview names the capsule.
    dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Destroy its capsules too?" }).waitFor();
    const list = dialog.getByRole("list", { name: "Capsules to destroy" });
    expect(await list.getByRole("listitem").allTextContents()).toEqual([capsuleId]);
    const confirm = dialog.getByRole("button", { name: "Destroy capsules and delete host" });
    expect(await confirm.isDisabled()).toBe(true);
    const typeBox = dialog.getByLabel(`Type ${registeredHostId} to confirm`);
    await typeBox.fill(registeredHostId.slice(0, -1));
    expect(await confirm.isDisabled()).toBe(true);
    await shot(page, "hosts-delete-preview");
    // Nothing is deleted until confirmed.
    expect((await db.selectFrom("capsules").select("status").where("id", "=", capsuleId).executeTakeFirstOrThrow()).status).toBe("running");
    expect((await db.selectFrom("hosts").select("deleted_at").where("id", "=", registeredHostId).executeTakeFirstOrThrow()).deleted_at).toBeNull();

    await typeBox.fill(registeredHostId);
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    // Destroying on the agent fails (there is none); the capsule is marked stopped anyway.
    await page.getByRole("dialog").waitFor({ state: "detached", timeout: 60_000 });
    await row.waitFor({ state: "detached" });
    expect(await page.locator(`tr[data-host-id="${stack!.cp.staticHostId}"]`).count()).toBe(1);
    const capsule = await db.selectFrom("capsules").select(["status", "error"]).where("id", "=", capsuleId).executeTakeFirstOrThrow();
    expect(capsule.status).toBe("stopped");
    expect(capsule.error).toBe("its host was deleted");
    expect((await db.selectFrom("hosts").select("deleted_at").where("id", "=", registeredHostId).executeTakeFirstOrThrow()).deleted_at).not.toBeNull();
    await shot(page, "hosts-deleted");
  }, 120_000);

  it("explains the Hosts page to a user who is no platform admin, and shows them no Admin entry", async () => {
    await signIn(userPage, user.email, user.password);
    const nav = userPage.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Capsules" }).waitFor();
    expect(await nav.getByRole("link", { name: "Admin" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Hosts" }).count()).toBe(0);
    userToken = await userPage.evaluate(() => (JSON.parse(localStorage.getItem("wrenn.session") ?? "{}") as { token?: string }).token ?? "");
    expect(userToken).not.toBe("");

    // Opened by address: the page explains itself instead of an empty fleet.
    await userPage.goto(`${stack!.url}/hosts`);
    await userPage.getByText("Hosts are for platform administrators").waitFor();
    expect(await userPage.getByText("No hosts registered").count()).toBe(0);
    expect(await userPage.getByRole("button", { name: "Register host" }).count()).toBe(0);
    expect(await userPage.locator("tr[data-host-id]").count()).toBe(0);
    await shot(userPage, "hosts-not-admin");

    // A plain member of a team is refused by the API (403): the page shows the API's words.
    const member = await stack!.newAccount(`member-${Date.now()}@example.test`);
    await stack!.cp.deps.db.updateTable("users_teams").set({ role: "member" }).where("user_id", "=", member.userId).execute();
    const memberToken = await sessionOf(stack!, member);
    const refused = await stack!.api<{ error: { code: string; message: string } }>("GET", "/v1/hosts", { auth: memberToken });
    expect(refused.status).toBe(403);
    const memberContext = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const memberPage = await memberContext.newPage();
      memberPage.setDefaultTimeout(20_000);
      await signIn(memberPage, member.email, member.password);
      await memberPage.goto(`${stack!.url}/hosts`);
      await memberPage.getByText("Hosts are for platform administrators").waitFor();
      await memberPage.getByText(refused.body.error.message, { exact: true }).waitFor();
      expect(await memberPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count()).toBe(0);
      await memberPage.goto(`${stack!.url}/admin/teams`);
      await memberPage.getByText("For platform administrators").waitFor();
      await shot(memberPage, "hosts-forbidden-member");
    } finally {
      await memberContext.close();
    }
  });

  it("turns BYOC on and off for a team, and deactivates and reactivates a user", async () => {
    const adminAuth = await adminSession();
    const byocOf = async (): Promise<boolean | undefined> => {
      const teams = await stack!.api<{ teams: { id: string; is_byoc: boolean }[] }>("GET", "/v1/admin/teams", { auth: adminAuth });
      expect(teams.status).toBe(200);
      return teams.body.teams.find((t) => t.id === user.teamId)?.is_byoc;
    };
    expect(await byocOf()).toBe(false);

    await page.goto(`${stack!.url}/capsules`);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Admin" }).click();
    await page.waitForURL("**/admin/teams");
    const teamRow = page.locator(`tr[data-team-id="${user.teamId}"]`);
    const toggle = teamRow.getByRole("switch");
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    expect(await toggle.textContent()).toBe("Off");
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("true");
    expect(await toggle.textContent()).toBe("On");
    expect(await byocOf()).toBe(true);
    await shot(page, "admin-teams-byoc-on");
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("false");
    expect(await byocOf()).toBe(false);

    // The user's browser session works before…
    expect((await stack!.api("GET", "/v1/me", { auth: userToken })).status).toBe(200);
    await page.getByRole("link", { name: "Users" }).click();
    await page.waitForURL("**/admin/users");
    const userRow = page.locator(`tr[data-user-email="${user.email}"]`);
    expect(await userRow.locator("[data-status]").textContent()).toBe("Active");
    await userRow.getByRole("button", { name: `Deactivate ${user.email}` }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Deactivate user?" }).waitFor();
    await dialog.getByRole("button", { name: "Deactivate" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => userRow.locator("[data-status]").textContent()).toBe("Disabled");
    await shot(page, "admin-user-deactivated");
    // …and is refused on the next request after.
    const refused = await stack!.api("GET", "/v1/me", { auth: userToken });
    expect(refused.status, refused.text).toBe(401);
    // Their open dashboard drops the session and asks them to sign in again.
    await userPage.goto(`${stack!.url}/capsules`);
    await userPage.waitForURL("**/sign-in");
    expect(await userPage.evaluate(() => localStorage.getItem("wrenn.session"))).toBeNull();
    expect((await stack!.api("POST", "/v1/auth/login", { auth: null, body: { email: user.email, password: user.password } })).status).not.toBe(200);

    await userRow.getByRole("button", { name: `Activate ${user.email}` }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Activate user?" }).waitFor();
    await dialog.getByRole("button", { name: "Activate" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => userRow.locator("[data-status]").textContent()).toBe("Active");
    const users = await stack!.api<{ users: { id: string; status: string }[] }>("GET", "/v1/admin/users", { auth: adminAuth });
    expect(users.body.users.find((u) => u.id === user.userId)?.status).toBe("active");
    expect((await stack!.api("POST", "/v1/auth/login", { auth: null, body: { email: user.email, password: user.password } })).status).toBe(200);
    expect(pageErrors).toEqual([]);
  });
});

/** A user session token (admin routes and host management want a user session, not an API key). */
async function sessionOf(stack: Stack, account: { email: string; password: string }): Promise<string> {
  const res = await stack.api<{ token: string }>("POST", "/v1/auth/login", { auth: null, body: { email: account.email, password: account.password } });
  if (res.status !== 200) throw new Error(`login of ${account.email}: ${res.status} ${res.text}`);
  return res.body.token;
}
