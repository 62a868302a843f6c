// Accounts end to end: signup → e-mailed link (real SMTP on loopback) → activation → login,
// the first-admin rule, login failures and their audit rows, password reset and change,
// switching teams, body validation, rate limits, and the outbox when SMTP is not configured.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sha256Hex } from "@wrenn/control-plane";
import { listAudit, listOutboxMessages } from "@wrenn/db";
import { dbBackends } from "@wrenn/testkit";
import { SMTPServer } from "smtp-server";
import { startStack, type Stack } from "./support/stack.js";

interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
async function startMailbox(): Promise<{ port: number; mails: Mail[]; waitFor(to: string, count?: number): Promise<Mail>; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (raw += chunk));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    async waitFor(to, count = 1) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const mine = mails.filter((m) => m.to.includes(to.toLowerCase()));
        if (mine.length >= count) return mine[count - 1]!;
        if (Date.now() > deadline) throw new Error(`no mail #${count} for ${to} within 10 s (have ${mine.length})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The message body as text (nodemailer uses quoted-printable for long lines). */
function bodyOf(raw: string): string {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body;
  return body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function tokenFrom(text: string, path: "activate" | "reset-password"): string {
  const match = new RegExp(`/${path}\\?token=([A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[1]!;
}

let serial = 0;
const uniqueEmail = (tag: string): string => `${tag}-${Date.now()}-${serial++}@example.test`;
const PASSWORD = "a long enough passphrase";

describe.each(dbBackends)("accounts on %s", (backend) => {
  let stack: Stack;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;

  beforeAll(async () => {
    mailbox = await startMailbox();
    stack = await startStack({
      backend,
      postgresUrl: inject("postgresUrl"),
      config: { smtp: { host: "127.0.0.1", port: mailbox.port, secure: false, from: "Wrenn <wrenn@example.test>" }, publicUrl: "https://wrenn.example.test" },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await mailbox?.close();
  });

  async function signupAndActivate(email: string, password = PASSWORD, name?: string): Promise<{ token: string; user: any; team: any }> {
    const signup = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password, ...(name ? { name } : {}) } });
    expect(signup.status).toBe(201);
    const link = tokenFrom(bodyOf((await mailbox.waitFor(email)).raw), "activate");
    const activated = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token: link } });
    expect(activated.status).toBe(200);
    return activated.body;
  }

  async function login(email: string, password = PASSWORD): Promise<string> {
    const res = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password } });
    expect(res.status).toBe(200);
    return res.body.token;
  }

  it("signup e-mails a single-use activation link; activation and login give a session; /me shows the user and team", async () => {
    const email = uniqueEmail("ada");
    const signup = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password: PASSWORD, name: "Ada Lovelace" } });
    expect(signup.status).toBe(201);
    expect(signup.body.user).toMatchObject({ email, name: "Ada Lovelace", status: "pending", is_admin: false, default_team_id: expect.stringMatching(/^team-[0-9a-z]{25}$/) });
    expect(signup.body.user.id).toMatch(/^usr-[0-9a-z]{25}$/);

    const mail = await mailbox.waitFor(email);
    const text = bodyOf(mail.raw);
    expect(mail.raw).toMatch(/^Subject: Activate your Wrenn account/m);
    expect(text).toContain("https://wrenn.example.test/activate?token=");
    const token = tokenFrom(text, "activate");
    const [outbox] = await listOutboxMessages(stack.cp.deps.db, { to: email });
    expect(outbox).toMatchObject({ subject: "Activate your Wrenn account", error: null });
    expect(outbox!.sent_at).toBeInstanceOf(Date);

    const activated = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token } });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({
      token: expect.any(String),
      user: { id: signup.body.user.id, status: "active", is_admin: false },
      team: { id: signup.body.user.default_team_id, name: "Ada Lovelace's team", role: "owner" },
    });
    expect(Date.parse(activated.body.expires_at) - Date.now()).toBeGreaterThan(5.9 * 3600_000);

    const again = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token } });
    expect(again.status).toBe(400);
    expect(again.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("already been used") });
    const bogus = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token: "not-a-real-token" } });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.message).toContain("not valid");

    const jwt = await login(email.toUpperCase());
    const me = await stack.api("GET", "/v1/me", { auth: jwt });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: signup.body.user.id, email, status: "active" });
    expect(me.body.teams).toEqual([expect.objectContaining({ id: signup.body.user.default_team_id, role: "owner", is_byoc: false })]);

    const audit = await stack.api("GET", "/v1/audit-logs", { auth: jwt });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(["user.activate", "user.signup"]);
    expect(audit.body.items[1]).toMatchObject({ actor_type: "user", actor_id: signup.body.user.id, resource_type: "user", resource_id: signup.body.user.id, metadata: { email } });
  });

  it("an expired activation link is refused with a clear message", async () => {
    const email = uniqueEmail("late");
    expect((await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password: PASSWORD } })).status).toBe(201);
    const token = tokenFrom(bodyOf((await mailbox.waitFor(email)).raw), "activate");
    await stack.cp.deps.db.updateTable("one_time_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("token_hash", "=", sha256Hex(token)).execute();
    const res = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token } });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("expired") });
  });

  it("the first account activated on a fresh platform becomes admin, exactly once under concurrency; later ones do not", async () => {
    const db = stack.cp.deps.db;
    // A platform where nobody has been activated yet: the fixture's bootstrap account steps aside.
    await db.updateTable("users").set({ status: "pending", is_admin: false }).execute();
    try {
      const [a, b] = [uniqueEmail("first-a"), uniqueEmail("first-b")];
      for (const email of [a, b]) expect((await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password: PASSWORD } })).status).toBe(201);
      const tokens = await Promise.all([a, b].map(async (email) => tokenFrom(bodyOf((await mailbox.waitFor(email)).raw), "activate")));
      const sessions = await Promise.all(tokens.map((token) => stack.api("POST", "/v1/auth/activate", { auth: null, body: { token } })));
      expect(sessions.map((s) => s.status)).toEqual([200, 200]);
      expect(sessions.map((s) => s.body.user.is_admin).sort()).toEqual([false, true]);

      const later = await signupAndActivate(uniqueEmail("later"));
      expect(later.user.is_admin).toBe(false);
      const admins = await db.selectFrom("users").select("email").where("is_admin", "=", true).execute();
      expect(admins).toHaveLength(1);
    } finally {
      await db.updateTable("users").set({ status: "active" }).where("id", "=", stack.account.userId).execute();
    }
  });

  it("refuses a duplicate address (any case) with 409, and weak or malformed input with 400", async () => {
    const email = uniqueEmail("dup");
    expect((await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password: PASSWORD } })).status).toBe(201);
    const dup = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");

    const weak = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: uniqueEmail("weak"), password: "short" } });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("at least 8 characters") });
    const notEmail = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: "nobody", password: PASSWORD } });
    expect(notEmail.status).toBe(400);
    expect(notEmail.body.error.message).toContain("e-mail address");
    const wrongType = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: 42, password: PASSWORD } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe("invalid_request");
    const malformed = await stack.api("POST", "/v1/auth/signup", { auth: null, body: '{"email": "x@example.test", ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("JSON") });
    const huge = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: uniqueEmail("huge"), password: PASSWORD, name: "x".repeat(1024 * 1024 + 10) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("too_large");
    // Nothing of those bad requests was stored.
    const users = await stack.cp.deps.db.selectFrom("users").select("email").where("email", "like", "%weak%").execute();
    expect(users).toEqual([]);
  });

  it("wrong password and unknown address both answer 401 with one message and leave an audit row; a pending account gets 403", async () => {
    const email = uniqueEmail("fail");
    await signupAndActivate(email);
    const wrong = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password: "not the password" } });
    const unknown = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: uniqueEmail("ghost"), password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("unauthorized");

    const failures = await listAudit(stack.cp.deps.db, null, { limit: 200, action: "auth.login_failed" });
    const mine = failures.find((f) => f.metadata.email === email);
    expect(mine).toMatchObject({ team_id: null, actor_id: null, action: "auth.login_failed", metadata: { email, reason: "wrong_password" } });

    const pendingEmail = uniqueEmail("pending");
    expect((await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: pendingEmail, password: PASSWORD } })).status).toBe(201);
    const pending = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: pendingEmail, password: PASSWORD } });
    expect(pending.status).toBe(403);
    expect(pending.body.error).toEqual({ code: "forbidden", message: expect.stringContaining("activate your account") });
    // Without the right password a pending account looks like any other failure.
    const pendingWrong = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: pendingEmail, password: "not the password" } });
    expect(pendingWrong.status).toBe(401);
  });

  it("rate-limits logins per address with 429 in the uniform shape", async () => {
    const email = uniqueEmail("hammer");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Stack["api"]>> | undefined;
    for (let i = 0; i < 11; i++) {
      last = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password: "guess number " + i } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(last!.body).toEqual({ error: { code: "rate_limited", message: expect.stringContaining("too many login attempts") } });
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address from the same client is counted separately.
    const other = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: uniqueEmail("other"), password: PASSWORD } });
    expect(other.status).toBe(401);
  });

  it("password reset: always 204, a single-use link by e-mail, expired links refused", async () => {
    const email = uniqueEmail("reset");
    await signupAndActivate(email);
    const ghost = uniqueEmail("ghost");
    const unknown = await stack.api("POST", "/v1/me/password/reset", { auth: null, body: { email: ghost } });
    expect(unknown.status).toBe(204);
    const known = await stack.api("POST", "/v1/me/password/reset", { auth: null, body: { email } });
    expect(known.status).toBe(204);
    expect(known.text).toBe("");

    const mail = await mailbox.waitFor(email, 2);
    expect(mail.raw).toMatch(/^Subject: Reset your Wrenn password/m);
    const token = tokenFrom(bodyOf(mail.raw), "reset-password");
    const newPassword = "a brand new passphrase";
    const confirm = await stack.api("POST", "/v1/me/password/reset/confirm", { auth: null, body: { token, password: newPassword } });
    expect(confirm.status).toBe(204);
    const reused = await stack.api("POST", "/v1/me/password/reset/confirm", { auth: null, body: { token, password: "yet another passphrase" } });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("already been used") });

    expect((await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password: PASSWORD } })).status).toBe(401);
    await login(email, newPassword);
    expect(mailbox.mails.some((m) => m.to.includes(ghost))).toBe(false);

    expect((await stack.api("POST", "/v1/me/password/reset", { auth: null, body: { email } })).status).toBe(204);
    const second = tokenFrom(bodyOf((await mailbox.waitFor(email, 3)).raw), "reset-password");
    await stack.cp.deps.db.updateTable("one_time_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("token_hash", "=", sha256Hex(second)).execute();
    const expired = await stack.api("POST", "/v1/me/password/reset/confirm", { auth: null, body: { token: second, password: "yet another passphrase" } });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toEqual({ code: "invalid_request", message: expect.stringContaining("expired") });
    const weak = await stack.api("POST", "/v1/me/password/reset/confirm", { auth: null, body: { token: second, password: "short" } });
    expect(weak.status).toBe(400);

    const { items } = (await stack.api("GET", "/v1/audit-logs?resource_type=user", { auth: await login(email, newPassword) })).body;
    expect(items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["user.password_reset", "user.password_reset_request"]));
  });

  it("changes the password with the current one, and refuses a wrong current password", async () => {
    const email = uniqueEmail("change");
    const { token } = await signupAndActivate(email);
    const wrong = await stack.api("POST", "/v1/me/password", { auth: token, body: { current_password: "not it at all", new_password: "the next passphrase" } });
    expect(wrong.status).toBe(403);
    const weak = await stack.api("POST", "/v1/me/password", { auth: token, body: { current_password: PASSWORD, new_password: "short" } });
    expect(weak.status).toBe(400);
    // Sessions are compared at second precision: start the change in a later second than the login.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ok = await stack.api("POST", "/v1/me/password", { auth: token, body: { current_password: PASSWORD, new_password: "the next passphrase" } });
    expect(ok.status).toBe(200);
    // The old session ends; the one handed back works.
    const old = await stack.api("GET", "/v1/me", { auth: token });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toContain("password was changed");
    expect((await stack.api("GET", "/v1/me", { auth: ok.body.token })).status).toBe(200);
    expect((await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password: PASSWORD } })).status).toBe(401);
    await login(email, "the next passphrase");
    const byKey = await stack.api("POST", "/v1/me/password", { body: { current_password: "x", new_password: "the next passphrase" } });
    expect(byKey.status).toBe(403);
  });

  it("switches the session to another team of the user, and only to one", async () => {
    const email = uniqueEmail("switch");
    const { token, team: personal } = await signupAndActivate(email);
    const created = await stack.api("POST", "/v1/teams", { auth: token, body: { name: "Side project" } });
    expect(created.status).toBe(201);
    const switched = await stack.api("POST", "/v1/auth/switch-team", { auth: token, body: { team_id: created.body.id } });
    expect(switched.status).toBe(200);
    expect(switched.body.team).toMatchObject({ id: created.body.id, name: "Side project", role: "owner" });

    // The new token acts for the new team: a key made with it belongs there.
    const key = await stack.api("POST", "/v1/api-keys", { auth: switched.body.token, body: { name: "side" } });
    expect(key.status).toBe(201);
    const sideKeys = await stack.api("GET", "/v1/api-keys", { auth: switched.body.token });
    const personalKeys = await stack.api("GET", "/v1/api-keys", { auth: token });
    expect(sideKeys.body.items.map((k: { id: string }) => k.id)).toEqual([key.body.id]);
    expect(personalKeys.body.items).toEqual([]);
    expect(personal.id).not.toBe(created.body.id);

    const foreign = await stack.api("POST", "/v1/auth/switch-team", { auth: token, body: { team_id: stack.account.teamId } });
    expect(foreign.status).toBe(404);
    const malformed = await stack.api("POST", "/v1/auth/switch-team", { auth: token, body: { team_id: "team-nope" } });
    expect(malformed.status).toBe(400);
    const byKey = await stack.api("POST", "/v1/auth/switch-team", { body: { team_id: created.body.id } });
    expect(byKey.status).toBe(403);
  });
});

describe.each(dbBackends)("accounts without SMTP on %s", (backend) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("keeps the activation mail in the outbox, and its link activates the account", async () => {
    const email = uniqueEmail("outbox");
    expect((await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email, password: PASSWORD } })).status).toBe(201);
    const [message] = await listOutboxMessages(stack.cp.deps.db, { to: email });
    expect(message).toMatchObject({ to_address: email, subject: "Activate your Wrenn account", sent_at: null, error: null });
    const token = tokenFrom(message!.body, "activate");
    const activated = await stack.api("POST", "/v1/auth/activate", { auth: null, body: { token } });
    expect(activated.status).toBe(200);
    expect(activated.body.user.status).toBe("active");
  });
});
