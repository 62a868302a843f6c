// The dashboard in a real browser (Debian chromium via playwright-core) against a real
// `wrenn up` with real capsules: sign in, create a capsule, use its terminal, files and
// metrics, pause and resume it, manage an API key, destroy it. Screenshots of every main
// page go to test-artifacts/screenshots/.
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeWrennUpData, startWrennUp, type WrennUp } from "../e2e/support/wrenn-up.js";

const DATA_DIR = "/var/tmp/wrenn-test-browser";
const POOL = "10.32.0.0/16";
const PORT = 19825;
const AGENT_PORT = 19826;

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = `${repoRoot}test-artifacts/screenshots`;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe("dashboard in a browser", () => {
  let up: WrennUp | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let capsuleId = "";
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const pageErrors: string[] = [];

  const api = async (method: string, path: string, options: { body?: unknown; key?: string } = {}): Promise<{ status: number; body: any; text: string }> => {
    const res = await fetch(up!.url + path, {
      method,
      headers: { "x-api-key": options.key ?? up!.apiKey, ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    return { status: res.status, text, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined };
  };
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: `${SHOTS}/${name}.png` });
  };
  const go = async (path: string): Promise<void> => {
    await page.goto(up!.url + path);
  };
  const row = (id: string) => page.locator(`tr[data-capsule-id="${id}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The dashboard was built from the sources by tests/setup/build-dashboard.ts.
    await removeWrennUpData(DATA_DIR, POOL, forwarding);
    up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: AGENT_PORT, pool: POOL });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: up.url });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (err) => pageErrors.push(err.message));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (capsuleId && up) await api("DELETE", `/v1/capsules/${capsuleId}`).catch(() => {});
    await up?.stop();
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 180_000);

  it("signs in with the credentials wrenn up printed and lands on the capsule list", async () => {
    await go("/");
    await page.waitForURL("**/sign-in");
    await page.getByLabel("E-mail").fill(up!.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    // The API's own message, not a generic failure.
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("the e-mail address or password is wrong");
    await shot("sign-in");
    await page.getByLabel("Password").fill(up!.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/capsules");
    await page.getByText("No capsules yet").waitFor();
    // The session survives a reload.
    await page.reload();
    await page.getByRole("heading", { name: "Capsules" }).waitFor();
    expect(page.url()).toBe(`${up!.url}/capsules`);
  });

  it("creates a capsule from the dialog and shows it running", async () => {
    await page.getByRole("button", { name: "New capsule" }).first().click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByLabel("Template").inputValue()).toBe("minimal");
    await shot("create-capsule");
    await dialog.getByRole("button", { name: "Create capsule" }).click();
    await dialog.waitFor({ state: "hidden", timeout: 60_000 });
    const first = page.locator("tr[data-capsule-id]").first();
    await first.waitFor();
    capsuleId = (await first.getAttribute("data-capsule-id")) ?? "";
    expect(capsuleId).toMatch(/^cl-[0-9a-z]{25}$/);
    await row(capsuleId).getByText("Running").waitFor();
    expect((await api("GET", `/v1/capsules/${capsuleId}`)).body.status).toBe("running");
    await shot("capsules");
  });

  it("runs echo hello in the terminal, and reattaches to the same shell after a reload", async () => {
    await row(capsuleId).getByRole("link", { name: capsuleId }).click();
    await page.waitForURL(`**/capsules/${capsuleId}/terminal`);
    const input = page.locator(".xterm-helper-textarea");
    await input.waitFor({ state: "attached" });
    // The shell is up once its tag is shown on the session tab.
    await page.getByRole("tab", { name: /Shell 1 [0-9a-z]/ }).waitFor();
    await input.focus();
    await page.keyboard.type("echo hello\n");
    const sawLine = (text: string) =>
      page.waitForFunction((t) => [...document.querySelectorAll(".xterm-rows > div")].some((d) => d.textContent?.trim() === t), text, { timeout: 20_000 });
    await sawLine("hello");
    await shot("terminal");

    // The PTY follows the window: a narrower viewport means fewer columns in `stty size`.
    const sizes = async (): Promise<string[]> =>
      page.evaluate(() => [...document.querySelectorAll(".xterm-rows > div")].map((d) => d.textContent?.trim() ?? "").filter((t) => /^\d+ \d+$/.test(t)));
    await page.keyboard.type("stty size\n");
    await expect.poll(sizes).toHaveLength(1);
    const [wide] = await sizes();
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.waitForTimeout(300);
    await input.focus();
    await page.keyboard.type("stty size\n");
    await expect.poll(sizes).toHaveLength(2);
    const narrow = (await sizes())[1]!;
    expect(Number(narrow.split(" ")[1])).toBeLessThan(Number(wide!.split(" ")[1]));
    await page.setViewportSize({ width: 1440, height: 900 });

    // Paste from the clipboard through the toolbar.
    await page.evaluate(() => navigator.clipboard.writeText("echo pasted-$((6*7))"));
    await page.getByRole("button", { name: "Paste" }).click();
    await page.waitForFunction(() => [...document.querySelectorAll(".xterm-rows > div")].some((d) => d.textContent?.trimEnd().endsWith("$ echo pasted-$((6*7))")));
    await input.focus();
    await page.keyboard.press("Enter");
    await sawLine("pasted-42");

    // A second shell beside the first; closing its tab ends it.
    await page.getByRole("button", { name: "New shell" }).click();
    await page.getByRole("tab", { name: /Shell 2 [0-9a-z]/ }).waitFor();
    await page.keyboard.type("echo second-$((1+1))\n");
    await sawLine("second-2");
    const bashes = async (): Promise<number> => (await api("GET", `/v1/capsules/${capsuleId}/processes`)).body.filter((p: { cmd: string }) => p.cmd === "/bin/bash").length;
    expect(await bashes()).toBe(2);
    await page.getByRole("button", { name: "Close Shell 2 (ends the shell)" }).click();
    await expect.poll(bashes).toBe(1);
    await page.getByRole("tab", { name: /Shell 1/ }).click();

    await page.reload();
    await page.getByText(/Reattaching to session/).waitFor();
    await page.getByRole("tab", { name: /Shell 1 [0-9a-z]/ }).waitFor();
    await page.locator(".xterm-helper-textarea").focus();
    await page.keyboard.type("echo again-$$\n");
    await page.waitForFunction(() => [...document.querySelectorAll(".xterm-rows > div")].some((d) => /^again-\d+$/.test(d.textContent?.trim() ?? "")), undefined, { timeout: 20_000 });
    // The same shell, reattached by the tag kept in sessionStorage: no second one started.
    const saved = await page.evaluate((key) => sessionStorage.getItem(key), `wrenn.pty.${capsuleId}`);
    const [{ tag }] = JSON.parse(saved ?? "[]") as { tag: string }[];
    const processes = await api("GET", `/v1/capsules/${capsuleId}/processes`);
    expect(processes.body.filter((p: { cmd: string }) => p.cmd === "/bin/bash").map((p: { tag: string }) => p.tag)).toEqual([tag]);
  });

  it("uploads files (picker and drag-and-drop), lists them, previews one and reads it back through the API", async () => {
    await page.getByRole("link", { name: "Files" }).click();
    await page.waitForURL(`**/capsules/${capsuleId}/files`);
    await page.getByRole("navigation", { name: "Path" }).getByText("user").waitFor();
    await page.getByTestId("upload-input").setInputFiles({ name: "greeting.py", mimeType: "text/x-python", buffer: Buffer.from('print("hello from the browser")  # hi\n') });
    await page.locator('tr[data-file-name="greeting.py"]').waitFor();

    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped bytes\n"], "dropped.txt", { type: "text/plain" }));
      return dt;
    });
    const zone = page.getByRole("region", { name: "Files" });
    await zone.dispatchEvent("dragenter", { dataTransfer });
    await zone.dispatchEvent("dragover", { dataTransfer });
    await zone.dispatchEvent("drop", { dataTransfer });
    await page.locator('tr[data-file-name="dropped.txt"]').waitFor();

    const read = await api("POST", `/v1/capsules/${capsuleId}/files/read`, { body: { path: "/home/user/greeting.py" } });
    expect(read.status).toBe(200);
    expect(read.text).toBe('print("hello from the browser")  # hi\n');
    expect((await api("POST", `/v1/capsules/${capsuleId}/files/read`, { body: { path: "/home/user/dropped.txt" } })).text).toBe("dropped bytes\n");

    await page.locator('tr[data-file-name="greeting.py"]').getByRole("button", { name: "greeting.py", exact: true }).click();
    const preview = page.getByTestId("file-preview-text");
    await expect.poll(() => preview.textContent()).toBe('print("hello from the browser")  # hi\n');
    expect(await preview.locator(".tok-string").first().textContent()).toBe('"hello from the browser"');
    await shot("files");
  });

  it("downloads a file", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download greeting.py" }).click()]);
    expect(download.suggestedFilename()).toBe("greeting.py");
    expect(readFileSync(await download.path(), "utf8")).toBe('print("hello from the browser")  # hi\n');
  });

  it("draws the metrics charts", async () => {
    await page.getByRole("link", { name: "Metrics" }).click();
    await page.waitForURL(`**/capsules/${capsuleId}/metrics`);
    const canvases = page.getByTestId("metrics-charts").locator("canvas");
    await expect.poll(() => canvases.count()).toBe(3);
    for (const box of await Promise.all((await canvases.all()).map((c) => c.boundingBox()))) {
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
    }
    // Samples arrive while the tab is open: the current CPU figure stops being a dash.
    await expect.poll(() => page.getByText(/^\d+\.\d%$/).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // Something was drawn: the CPU canvas has pixels that are not the background.
    const painted = await canvases.first().evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n += 1;
      return n;
    });
    expect(painted).toBeGreaterThan(0);
    await page.getByRole("radio", { name: "1h" }).click();
    await expect.poll(() => page.getByRole("radio", { name: "1h" }).getAttribute("aria-checked")).toBe("true");
    await page.getByRole("radio", { name: "5m" }).click();
    await shot("metrics");
  });

  it("lists processes", async () => {
    await page.getByRole("link", { name: "Processes" }).click();
    await page.getByRole("cell", { name: /\/bin\/bash/ }).first().waitFor();
    await shot("processes");
  });

  it("pauses and resumes the capsule from the list", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Capsules" }).click();
    await row(capsuleId).getByRole("button", { name: `Pause ${capsuleId}` }).click();
    await row(capsuleId).getByText("Paused").waitFor({ timeout: 30_000 });
    expect((await api("GET", `/v1/capsules/${capsuleId}`)).body.status).toBe("paused");
    await shot("capsules-paused");
    await row(capsuleId).getByRole("button", { name: `Resume ${capsuleId}` }).click();
    await row(capsuleId).getByText("Running").waitFor({ timeout: 30_000 });
    expect((await api("GET", `/v1/capsules/${capsuleId}`)).body.status).toBe("running");
  });

  it("snapshots the capsule from the list, shows the template, and deletes it", async () => {
    await row(capsuleId).getByRole("button", { name: `Snapshot ${capsuleId}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Template name").fill("browser-snap");
    await dialog.getByRole("button", { name: "Take snapshot" }).click();
    await dialog.waitFor({ state: "hidden", timeout: 60_000 });
    await page.getByText("Snapshot browser-snap saved.").waitFor();
    expect((await api("GET", "/v1/snapshots?type=snapshot")).body.map((t: { name: string }) => t.name)).toContain("browser-snap");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Templates" }).click();
    const templateRow = page.locator('tr[data-template="browser-snap"]');
    await templateRow.waitFor();
    await templateRow.getByRole("button", { name: "Create a capsule from browser-snap" }).click();
    await expect.poll(() => page.getByRole("dialog").getByLabel("Template").inputValue()).toBe("browser-snap");
    await shot("templates-create-from-snapshot");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await templateRow.getByRole("button", { name: "Delete snapshot browser-snap" }).click();
    await page.getByTestId("confirm-action").click();
    await templateRow.waitFor({ state: "detached" });
    expect((await api("GET", "/v1/snapshots?type=snapshot")).body.map((t: { name: string }) => t.name)).not.toContain("browser-snap");
    // The capsule kept running through its snapshot.
    expect((await api("GET", `/v1/capsules/${capsuleId}`)).body.status).toBe("running");
  });

  it("creates an API key that works, shows it once, and revokes it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
    await page.getByRole("button", { name: "New API key" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("browser-test");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const key = (await dialog.getByTestId("new-api-key").textContent()) ?? "";
    expect(key).toMatch(/^wrn_[0-9a-f]{32}$/);
    expect((await api("GET", "/v1/capsules", { key })).status).toBe(200);
    await shot("api-key-created");
    await dialog.getByRole("button", { name: "Done" }).click();
    const keyRow = page.locator('tr[data-key-name="browser-test"]');
    await keyRow.waitFor();
    expect(await keyRow.textContent()).not.toContain(key);
    await shot("api-keys");
    await keyRow.getByRole("button", { name: "Revoke browser-test" }).click();
    await page.getByTestId("confirm-action").click();
    await keyRow.waitFor({ state: "detached" });
    expect((await api("GET", "/v1/capsules", { key })).status).toBe(401);
  });

  it("shows every other main page without errors", async () => {
    const pages: [string, string, RegExp][] = [
      ["/templates", "templates", /minimal/],
      ["/usage", "usage", /Running now/],
      ["/team", "team", /Members/],
      ["/audit-log", "audit-log", /capsule\.create/],
      ["/hosts", "hosts", /Single-host installation|Register host/],
      ["/settings", "settings", /Change password/],
    ];
    for (const [path, name, text] of pages) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: new RegExp(`^${name.replace("-", " ")}$`, "i") }).click();
      await page.waitForURL(`**${path}`);
      await page.getByText(text).first().waitFor();
      await page.waitForTimeout(300);
      await shot(name);
    }
  });

  it("creates a team, switches to it, renames it and deletes it with typed confirmation", async () => {
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Team" }).click();
    await page.getByRole("button", { name: "New team" }).click();
    await page.getByRole("dialog").getByLabel("Team name").fill("Browser Team");
    await page.getByRole("dialog").getByRole("button", { name: "Create team" }).click();
    await page.waitForURL("**/capsules");
    await expect.poll(() => page.locator("#team-switcher option:checked").textContent()).toBe("Browser Team");
    // A new team starts empty: the capsule of the other team is not listed.
    await page.getByText("No capsules yet").waitFor();

    await nav.getByRole("link", { name: "Team" }).click();
    await page.getByLabel("Team name").fill("Browser Team 2");
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByText("Team renamed.").waitFor();
    await expect.poll(() => page.locator("#team-switcher option:checked").textContent()).toBe("Browser Team 2");

    await page.getByRole("button", { name: "Delete team" }).click();
    const confirm = page.getByTestId("confirm-action");
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel("Type Browser Team 2 to confirm").fill("Browser Team 2");
    await confirm.click();
    // The dialog closes (a failure would stay in it, with the API's message).
    const dialogState = async (): Promise<string> => {
      const dialog = page.getByRole("dialog");
      if (!(await dialog.isVisible())) return "closed";
      const alert = dialog.getByRole("alert");
      return (await alert.count()) ? `error: ${await alert.textContent()}` : "open";
    };
    await expect.poll(dialogState, { timeout: 20_000 }).toBe("closed");
    // Back in the remaining team, with its capsule.
    await page.waitForURL("**/capsules");
    await expect.poll(() => page.locator("#team-switcher option:checked").textContent()).toBe("Default");
    await row(capsuleId).waitFor();
  });

  it("destroys the capsule after confirming", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Capsules" }).click();
    await row(capsuleId).getByRole("button", { name: `Destroy ${capsuleId}` }).click();
    await shot("destroy-confirm");
    await page.getByTestId("confirm-action").click();
    await row(capsuleId).waitFor({ state: "detached" });
    await page.getByText("No capsules yet").waitFor();
    expect((await api("GET", "/v1/capsules")).body.map((c: { id: string }) => c.id)).not.toContain(capsuleId);
    capsuleId = "";
    expect(pageErrors).toEqual([]);
  });
});
