// Accounts in a real browser (Debian chromium via playwright-core) against a real control
// plane serving the built dashboard: sign up → activation link → signed in → sign out →
// forgot password → reset link → sign in with the new password. There is no SMTP: the
// links are read from the stack's e-mail outbox, as a self-hoster would read them.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { listOutboxMessages } from "@wrenn/db";
import { startStack, type Stack } from "../integration/control-plane/support/stack.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = `${repoRoot}test-artifacts/screenshots`;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

const EMAIL = `grace-${Date.now()}@example.test`;
const FIRST_PASSWORD = "first long passphrase";
const NEW_PASSWORD = "second long passphrase";

describe("accounts in a browser", () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  const go = async (path: string): Promise<void> => {
    await page.goto(stack!.url + path);
  };
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: `${SHOTS}/${name}.png` });
  };
  /** The newest outbox message to the account with this subject, and the path of its link. */
  const linkFromOutbox = async (subject: string, path: "activate" | "reset-password"): Promise<string> => {
    let found: string | undefined;
    await expect
      .poll(async () => {
        const messages = await listOutboxMessages(stack!.cp.deps.db, { to: EMAIL });
        const message = messages.find((m) => m.subject === subject);
        found = message ? new RegExp(`/${path}\\?token=[A-Za-z0-9_-]+`).exec(message.body)?.[0] : undefined;
        return found;
      })
      .toBeDefined();
    return found!;
  };
  const alertText = async (): Promise<string> => ((await page.getByRole("alert").first().textContent()) ?? "").trim();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The dashboard was built from the sources by tests/setup/build-dashboard.ts.
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl") });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (err) => pageErrors.push(err.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  }, 60_000);

  it("signs up and asks to check the e-mail; the account cannot sign in before activation", async () => {
    await go("/sign-in");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL("**/sign-up");
    await page.getByLabel("Name (optional)").fill("Grace Hopper");
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByLabel("Password").fill(FIRST_PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
    expect(await page.getByText(EMAIL).textContent()).toBe(EMAIL);
    await shot("auth-check-email");

    await page.getByRole("link", { name: "Back to sign in" }).click();
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByLabel("Password").fill(FIRST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The API's own words about why.
    await expect.poll(alertText).toMatch(/activate/i);
    expect(page.url()).toBe(`${stack!.url}/sign-in`);
  });

  it("activates from the e-mailed link and lands signed in on the capsule list", async () => {
    const link = await linkFromOutbox("Activate your Wrenn account", "activate");
    await go(link);
    await page.waitForURL("**/capsules");
    await page.getByRole("heading", { name: "Capsules" }).waitFor();
    await page.getByText("No capsules yet").waitFor();
    expect(await page.locator("aside").getByText(EMAIL).textContent()).toBe(EMAIL);
    await expect.poll(() => page.locator("#team-switcher option:checked").textContent()).toBe("Grace Hopper's team");
    // A new user is no platform admin: no Hosts or Admin in the navigation.
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Admin" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Hosts" }).count()).toBe(0);
    await shot("auth-activated");

    // The link works once.
    await go(link);
    await expect.poll(alertText).toMatch(/already been used|expired/i);
    await shot("auth-activation-used");
  });

  it("signs out, asks for a reset link, and sets a new password from it", async () => {
    await go("/capsules");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL("**/forgot-password");
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByText(/a reset link is on its way/).waitFor();
    await shot("auth-reset-requested");

    const link = await linkFromOutbox("Reset your Wrenn password", "reset-password");
    await go(link);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await page.getByLabel("Repeat it").fill(`${NEW_PASSWORD}x`);
    await page.getByRole("button", { name: "Set password" }).click();
    await expect.poll(alertText).toBe("The two passwords differ.");
    await page.getByLabel("Repeat it").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("Your password is changed.").waitFor();
    await shot("auth-password-changed");

    // The reset link works once too.
    await go(link);
    await page.getByLabel("New password").fill("a third long passphrase");
    await page.getByLabel("Repeat it").fill("a third long passphrase");
    await page.getByRole("button", { name: "Set password" }).click();
    await expect.poll(alertText).not.toBe("");
    expect(await page.getByText("Your password is changed.").count()).toBe(0);
  });

  it("refuses the old password and signs in with the new one", async () => {
    await go("/sign-in");
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByLabel("Password").fill(FIRST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(alertText).toBe("the e-mail address or password is wrong");
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/capsules");
    await page.getByText("No capsules yet").waitFor();
    // The session survives a reload.
    await page.reload();
    await page.getByRole("heading", { name: "Capsules" }).waitFor();
    expect(page.url()).toBe(`${stack!.url}/capsules`);
    expect(pageErrors).toEqual([]);
  });
});
