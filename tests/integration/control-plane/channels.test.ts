// Notification channels through the public API and the event outbox: webhook signatures,
// exactly-once delivery, retries with backoff, secrets at rest, validation, team isolation,
// delivery across a control-plane restart, two workers on one PostgreSQL, and the message
// shapes of the chat providers. Real HTTP receivers on loopback; no mocks.
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newId } from "@wrenn/core";
import { startControlPlane } from "@wrenn/control-plane";
import { claimDueDeliveries, finishDelivery, openDatabase, sql } from "@wrenn/db";
import { dbBackends, type TestDatabase } from "@wrenn/testkit";
import { pino } from "pino";
import { encryptSecret } from "../../../packages/control-plane/src/services/channels/crypto.js";
import { publishEvent, startChannelDelivery, type ChannelDelivery } from "../../../packages/control-plane/src/services/channels/index.js";
import { startStack, type Stack } from "./support/stack.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  requests: Received[];
  /** The status to answer for the n-th request (0-based); default 200. */
  respond: (n: number, req: Received) => number | Promise<number>;
  close(): Promise<void>;
}

async function startReceiver(respond: Receiver["respond"] = () => 200): Promise<Receiver> {
  const receiver: Receiver = { url: "", requests: [], respond, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const n = receiver.requests.push(received) - 1;
      void Promise.resolve(receiver.respond(n, received)).then((status) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(status < 300 ? '{"ok":true}' : '{"error":"receiver says no"}');
      });
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: process.env.WRENN_TEST_LOG ?? "silent" });
let serial = 0;
const uniqueEmail = (tag: string): string => `${tag}-${Date.now()}-${serial++}@example.test`;

describe.each(dbBackends)("notification channels on %s", (backend) => {
  let stack: Stack;
  let worker: ChannelDelivery;
  let telegram: Receiver;

  beforeAll(async () => {
    telegram = await startReceiver();
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), config: { telegramApiUrl: `${telegram.url}/tg` } });
    worker = startChannelDelivery(stack.cp.deps, { log, intervalMs: 25 });
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.close();
    await telegram?.close();
  });

  /** A fresh team with its own API key, so tests do not see each other's channels. */
  const newTeam = () => stack.newAccount(uniqueEmail("ch"));
  const deliveriesOf = async (key: string, channelId: string) => (await stack.api("GET", `/v1/channels/${channelId}/deliveries?limit=200`, { auth: key })).body.items as any[];

  it("creates a webhook channel: secret shown once, config masked afterwards, only ciphertext in the database", async () => {
    const team = await newTeam();
    const url = "https://hooks.example.com/services/T000/very-secret-path?token=abc123";
    const created = await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "ops", provider: "webhook", config: { url }, events: ["capsule.created"] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^ch-[0-9a-z]{25}$/),
      name: "ops",
      provider: "webhook",
      scope: "team",
      config: { url: "https://hooks.example.com/•••" },
      events: ["capsule.created"],
      enabled: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { id, secret } = created.body;

    const one = await stack.api("GET", `/v1/channels/${id}`, { auth: team.apiKey });
    const list = await stack.api("GET", "/v1/channels", { auth: team.apiKey });
    const patched = await stack.api("PATCH", `/v1/channels/${id}`, { auth: team.apiKey, body: { name: "ops 2" } });
    for (const res of [one, list, patched]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain("very-secret-path");
      expect(res.text).not.toContain("secret\"");
    }
    expect(one.body.config).toEqual({ url: "https://hooks.example.com/•••" });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(patched.body.name).toBe("ops 2");

    const row = await stack.cp.deps.db.selectFrom("channels").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(row.config_encrypted).toMatch(/^v1:/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain("hooks.example.com");
    expect(stored).not.toContain("abc123");

    const rotated = await stack.api("PATCH", `/v1/channels/${id}`, { auth: team.apiKey, body: { rotate_secret: true } });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);

    const audit = await stack.api("GET", "/v1/audit-logs?resource_type=channel&limit=10", { auth: team.apiKey });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(["channel.update", "channel.update", "channel.create"]);
    expect((await stack.api("DELETE", `/v1/channels/${id}`, { auth: team.apiKey })).status).toBe(204);
    expect((await stack.api("GET", `/v1/channels/${id}`, { auth: team.apiKey })).status).toBe(404);
  });

  it("delivers every subscribed event exactly once, signed, to the channels of the event's team only", async () => {
    const team = await newTeam();
    const other = await newTeam();
    const receiver = await startReceiver();
    try {
      const created = (
        await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "hook", provider: "webhook", config: { url: `${receiver.url}/hook` }, events: ["capsule.created", "capsule.destroyed"] } })
      ).body;
      const disabled = (
        await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "off", provider: "webhook", config: { url: `${receiver.url}/off` }, events: ["capsule.created"], enabled: false } })
      ).body;
      const db = stack.cp.deps.db;
      const capsules = [newId("capsule"), newId("capsule"), newId("capsule")];
      for (const c of capsules) await publishEvent(db, { type: "capsule.created", teamId: team.teamId, resourceId: c, data: { template: "minimal", vcpus: 1 } });
      // Inside a caller's transaction, as lifecycle code will call it.
      await db.transaction().execute((trx) => publishEvent(trx, { type: "capsule.destroyed", teamId: team.teamId, resourceId: capsules[0]!, data: {} }));
      await publishEvent(db, { type: "capsule.paused", teamId: team.teamId, resourceId: capsules[1]!, data: {} }); // not subscribed
      await publishEvent(db, { type: "capsule.created", teamId: other.teamId, resourceId: newId("capsule"), data: {} }); // another team

      await waitFor("4 deliveries", () => receiver.requests.length >= 4);
      await sleep(300);
      await worker.runOnce();
      expect(receiver.requests).toHaveLength(4);
      expect(receiver.requests.every((r) => r.url === "/hook" && r.method === "POST")).toBe(true);

      const bodies = receiver.requests.map((r) => JSON.parse(r.body));
      expect(bodies.map((b) => `${b.type} ${b.resource_id}`).sort()).toEqual(
        [...capsules.map((c) => `capsule.created ${c}`), `capsule.destroyed ${capsules[0]}`].sort(),
      );
      expect(new Set(bodies.map((b) => b.id)).size).toBe(4);
      const first = bodies.find((b) => b.type === "capsule.created" && b.resource_id === capsules[0]);
      expect(first).toEqual({ id: expect.any(String), type: "capsule.created", created_at: expect.any(String), team_id: team.teamId, resource_id: capsules[0], data: { template: "minimal", vcpus: 1 } });

      for (const r of receiver.requests) {
        const timestamp = r.headers["x-wrenn-timestamp"] as string;
        expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
        const expected = createHmac("sha256", created.secret).update(`${timestamp}.${r.body}`).digest("hex");
        expect(r.headers["x-wrenn-signature"]).toBe(`sha256=${expected}`);
        expect(r.headers["x-wrenn-event"]).toBe(JSON.parse(r.body).type);
        expect(r.headers["content-type"]).toBe("application/json");
      }
      const deliveryIds = receiver.requests.map((r) => r.headers["x-wrenn-delivery"]);
      expect(new Set(deliveryIds).size).toBe(4);

      const deliveries = await deliveriesOf(team.apiKey, created.id);
      expect(deliveries).toHaveLength(4);
      expect(deliveries.map((d) => d.id).sort()).toEqual([...deliveryIds].sort());
      for (const d of deliveries) expect(d).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null, delivered_at: expect.any(String) });
      expect(await deliveriesOf(team.apiKey, disabled.id)).toEqual([]);
      // Nothing is written for an event no channel listens to.
      const paused = await db.selectFrom("events").select("id").where("type", "=", "capsule.paused").where("resource_id", "=", capsules[1]!).execute();
      expect(paused).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("retries a failed delivery with backoff, keeps the delivery id, and gives up after the last retry", async () => {
    const team = await newTeam();
    const flaky = await startReceiver((n) => (n === 0 ? 500 : 200));
    const down = await startReceiver(() => 503);
    try {
      const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "flaky", provider: "webhook", config: { url: flaky.url }, events: ["host.down"] } })).body;
      const capsuleId = newId("capsule");
      await publishEvent(stack.cp.deps.db, { type: "host.down", teamId: team.teamId, resourceId: capsuleId, data: {} });
      const [failed] = await waitFor("a failed first attempt", async () => {
        const items = await deliveriesOf(team.apiKey, ch.id);
        return items[0]?.status === "pending" && items[0].attempts === 1 ? items : undefined;
      });
      expect(failed).toMatchObject({ last_status_code: 500, last_error: expect.stringContaining("HTTP 500") });
      const backoffMs = Date.parse(failed.next_attempt_at) - Date.parse(failed.last_attempt_at);
      expect(backoffMs).toBeGreaterThanOrEqual(4_900);
      expect(backoffMs).toBeLessThan(8_000);
      await sleep(300);
      expect(flaky.requests).toHaveLength(1); // not retried before its time

      await sql`UPDATE event_deliveries SET next_attempt_at = now() WHERE id = ${failed.id}`.execute(stack.cp.deps.db);
      const [done] = await waitFor("the retry", async () => {
        const items = await deliveriesOf(team.apiKey, ch.id);
        return items[0]?.status === "delivered" ? items : undefined;
      });
      expect(done).toMatchObject({ attempts: 2, last_status_code: 200, last_error: null });
      expect(flaky.requests).toHaveLength(2);
      expect(flaky.requests[1]!.headers["x-wrenn-delivery"]).toBe(flaky.requests[0]!.headers["x-wrenn-delivery"]);
      expect(flaky.requests[1]!.body).toBe(flaky.requests[0]!.body);

      // A receiver that never recovers: 6 attempts (5 s, 30 s, 2 min, 10 min, 1 h apart), then failed.
      const dead = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "down", provider: "webhook", config: { url: down.url }, events: ["host.up"] } })).body;
      await publishEvent(stack.cp.deps.db, { type: "host.up", teamId: team.teamId, resourceId: capsuleId, data: {} });
      const gaps: number[] = [];
      for (let attempt = 1; attempt <= 6; attempt++) {
        const [d] = await waitFor(`attempt ${attempt}`, async () => {
          const items = await deliveriesOf(team.apiKey, dead.id);
          return items[0]?.attempts === attempt && items[0].status !== "sending" ? items : undefined;
        });
        if (attempt < 6) {
          expect(d.status).toBe("pending");
          gaps.push(Math.round((Date.parse(d.next_attempt_at) - Date.parse(d.last_attempt_at)) / 1000));
          await sql`UPDATE event_deliveries SET next_attempt_at = now() WHERE id = ${d.id}`.execute(stack.cp.deps.db);
        } else {
          expect(d).toMatchObject({ status: "failed", last_status_code: 503, next_attempt_at: null, last_error: expect.stringContaining("gave up after 6 attempts") });
        }
      }
      expect(gaps.map((g, i) => g - [5, 30, 120, 600, 3600][i]!).every((extra) => extra >= -1 && extra <= 3)).toBe(true);
      await sleep(200);
      expect(down.requests).toHaveLength(6);
    } finally {
      await flaky.close();
      await down.close();
    }
  });

  it("refuses bad input with the documented error shape", async () => {
    const team = await newTeam();
    const base = { name: "x", provider: "webhook", config: { url: "https://example.com/h" }, events: ["capsule.created"] };
    const cases: Array<[unknown, string]> = [
      [{ ...base, provider: "pager" }, "provider must be one of webhook, slack, discord, teams, google_chat, telegram, matrix"],
      [{ ...base, config: { url: "ftp://example.com/h" } }, "must be an http:// or https:// URL"],
      [{ ...base, config: { url: "not a url" } }, "config.url"],
      [{ ...base, provider: "slack", config: { url: "https://example.com" } }, "config.webhook_url"],
      [{ ...base, events: ["capsule.exploded"] }, "events must be among capsule.created"],
      [{ ...base, events: [] }, "at least one event type"],
      [{ ...base, name: " " }, "name must not be empty"],
      [{ ...base, provider: "telegram", config: { bot_token: "nope", chat_id: "1" } }, "bot token"],
      [{ ...base, provider: "matrix", config: { homeserver_url: "https://m.org", access_token: "t", room_id: "general" } }, "room id"],
    ];
    for (const [body, message] of cases) {
      const res = await stack.api("POST", "/v1/channels", { auth: team.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error: { code: "invalid_request", message: expect.stringContaining(message) } });
    }
    const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: base })).body;
    const badPatch = await stack.api("PATCH", `/v1/channels/${ch.id}`, { auth: team.apiKey, body: { config: { url: "javascript:alert(1)" } } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error).toEqual({ code: "invalid_request", message: "invalid config.url for provider webhook: must be an http:// or https:// URL" });
    expect((await stack.api("PATCH", `/v1/channels/${ch.id}`, { auth: team.apiKey, body: { rotate_secret: true, bogus: 1 } })).status).toBe(400);
    expect((await stack.api("GET", "/v1/channels/ch-123", { auth: team.apiKey })).body.error.code).toBe("invalid_request");
    expect((await stack.api("GET", `/v1/channels/${newId("channel")}`, { auth: team.apiKey })).body.error.code).toBe("not_found");
    expect((await stack.api("GET", `/v1/channels/${ch.id}/deliveries?limit=0`, { auth: team.apiKey })).status).toBe(400);
    expect((await stack.api("GET", "/v1/channels", { auth: null })).status).toBe(401);
    expect((await stack.api("POST", "/v1/channels/test", { auth: team.apiKey, body: { channel_id: "nope" } })).status).toBe(400);
  });

  it("takes over a delivery whose worker died mid-send once the lease runs out, and ignores that worker's late outcome", async () => {
    const team = await newTeam();
    const receiver = await startReceiver();
    await worker.stop();
    try {
      const db = stack.cp.deps.db;
      const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "lease", provider: "webhook", config: { url: receiver.url }, events: ["capsule.destroyed"] } })).body;
      // A worker claims it (in the publishing transaction, so no other worker sees it first) and dies before sending.
      const [claimed] = await db.transaction().execute(async (trx) => {
        await publishEvent(trx, { type: "capsule.destroyed", teamId: team.teamId, resourceId: newId("capsule"), data: {} });
        return (await claimDueDeliveries(trx, { limit: 100, leaseMs: 60_000, claimToken: "dead-worker:0" })).filter((c) => c.channel_id === ch.id);
      });
      expect(claimed).toMatchObject({ attempts: 1, event_type: "capsule.destroyed" });
      worker = startChannelDelivery(stack.cp.deps, { log, intervalMs: 25 });
      await sleep(300);
      expect(receiver.requests).toHaveLength(0); // leased: nobody else takes it
      await sql`UPDATE event_deliveries SET next_attempt_at = now() - interval '1 second' WHERE id = ${claimed!.id}`.execute(db);
      const [d] = await waitFor("the take-over", async () => {
        const items = await deliveriesOf(team.apiKey, ch.id);
        return items[0]?.status === "delivered" ? items : undefined;
      });
      expect(d).toMatchObject({ attempts: 2, last_status_code: 200 });
      expect(receiver.requests).toHaveLength(1);
      expect(await finishDelivery(db, claimed!.id, claimed!.claim_token, { status: "failed", statusCode: null, error: "late" })).toBe(false);
      expect((await deliveriesOf(team.apiKey, ch.id))[0]).toMatchObject({ status: "delivered", last_error: null });
    } finally {
      await receiver.close();
    }
  });

  it("drops queued deliveries of a channel disabled before they were sent", async () => {
    const team = await newTeam();
    const receiver = await startReceiver();
    try {
      const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "mute", provider: "webhook", config: { url: receiver.url }, events: ["capsule.paused"] } })).body;
      await stack.cp.deps.db.transaction().execute(async (trx) => {
        await publishEvent(trx, { type: "capsule.paused", teamId: team.teamId, resourceId: newId("capsule"), data: {} });
        await trx.updateTable("channels").set({ enabled: false }).where("id", "=", ch.id).execute();
      });
      const [d] = await waitFor("the dropped delivery", async () => {
        const items = await deliveriesOf(team.apiKey, ch.id);
        return items[0]?.status === "failed" ? items : undefined;
      });
      expect(d.last_error).toContain("disabled");
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it("a configuration sealed with another key: hidden, refused until replaced, its deliveries retried with the reason", async () => {
    const team = await newTeam();
    const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "k", provider: "webhook", config: { url: "https://example.com/h" }, events: ["capsule.paused"] } })).body;
    const foreign = encryptSecret(Buffer.alloc(32, 9), JSON.stringify({ url: "https://example.com/h", secret: "whsec_x" }), ch.id);
    await stack.cp.deps.db.updateTable("channels").set({ config_encrypted: foreign }).where("id", "=", ch.id).execute();
    expect((await stack.api("GET", `/v1/channels/${ch.id}`, { auth: team.apiKey })).body.config).toEqual({});
    await publishEvent(stack.cp.deps.db, { type: "capsule.paused", teamId: team.teamId, resourceId: newId("capsule"), data: {} });
    // Another replica (with the right key) may take the retry.
    const [d] = await waitFor("the failed attempt", async () => {
      const items = await deliveriesOf(team.apiKey, ch.id);
      return items[0]?.status === "pending" && items[0].attempts === 1 ? items : undefined;
    });
    expect(d).toMatchObject({ last_status_code: null, last_error: expect.stringContaining("WRENN_ENCRYPTION_KEY") });
    const refused = await stack.api("PATCH", `/v1/channels/${ch.id}`, { auth: team.apiKey, body: { rotate_secret: true } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "invalid_state", message: expect.stringContaining("send a new config") });
    const fixed = await stack.api("PATCH", `/v1/channels/${ch.id}`, { auth: team.apiKey, body: { config: { url: "https://example.org/new" } } });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ config: { url: "https://example.org/•••" }, secret: expect.stringMatching(/^whsec_/) });
  });

  it("keeps teams apart: team B neither sees, changes, tests nor deletes team A's channels", async () => {
    const a = await newTeam();
    const b = await newTeam();
    const receiver = await startReceiver();
    try {
      const ch = (await stack.api("POST", "/v1/channels", { auth: a.apiKey, body: { name: "a", provider: "webhook", config: { url: receiver.url }, events: ["capsule.running"] } })).body;
      expect((await stack.api("GET", "/v1/channels", { auth: b.apiKey })).body.items).toEqual([]);
      for (const [method, path, body] of [
        ["GET", `/v1/channels/${ch.id}`, undefined],
        ["PATCH", `/v1/channels/${ch.id}`, { enabled: false }],
        ["DELETE", `/v1/channels/${ch.id}`, undefined],
        ["GET", `/v1/channels/${ch.id}/deliveries`, undefined],
        ["POST", "/v1/channels/test", { channel_id: ch.id }],
      ] as const) {
        const res = await stack.api(method, path, { auth: b.apiKey, ...(body ? { body } : {}) });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
      await publishEvent(stack.cp.deps.db, { type: "capsule.running", teamId: b.teamId, resourceId: newId("capsule"), data: {} });
      await sleep(300);
      expect(receiver.requests).toHaveLength(0);
      expect((await stack.api("GET", `/v1/channels/${ch.id}`, { auth: a.apiKey })).body.enabled).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("roles: members read but do not manage; platform channels need a platform admin and get platform events", async () => {
    const owner = await newTeam();
    const member = await newTeam();
    const login = async (email: string, password: string) => (await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password } })).body.token as string;
    const ownerJwt = await login(owner.email, owner.password);
    expect((await stack.api("POST", `/v1/teams/${owner.teamId}/members`, { auth: ownerJwt, body: { email: member.email, role: "member" } })).status).toBe(201);
    const memberJwt = (await stack.api("POST", "/v1/auth/switch-team", { auth: await login(member.email, member.password), body: { team_id: owner.teamId } })).body.token;
    const body = { name: "n", provider: "slack", config: { webhook_url: "https://hooks.slack.com/services/X" }, events: ["capsule.created"] };
    const denied = await stack.api("POST", "/v1/channels", { auth: memberJwt, body });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("owner or admin");
    const ch = await stack.api("POST", "/v1/channels", { auth: ownerJwt, body });
    expect(ch.status).toBe(201);
    expect(ch.body.secret).toBeUndefined();
    expect((await stack.api("GET", "/v1/channels", { auth: memberJwt })).body.items).toHaveLength(1);
    expect((await stack.api("DELETE", `/v1/channels/${ch.body.id}`, { auth: memberJwt })).status).toBe(403);

    // Platform scope: not for team owners, not for API keys; for the platform admin (the stack's first account).
    const platformBody = { name: "hosts", provider: "webhook", config: { url: "http://127.0.0.1:1/x" }, events: ["host.up", "host.down"], scope: "platform" };
    expect((await stack.api("POST", "/v1/channels", { auth: ownerJwt, body: platformBody })).status).toBe(403);
    expect((await stack.api("POST", "/v1/channels", { body: platformBody })).status).toBe(403);
    const receiver = await startReceiver();
    try {
      const adminJwt = await login(stack.account.email, stack.account.password);
      const platform = await stack.api("POST", "/v1/channels", { auth: adminJwt, body: { ...platformBody, config: { url: receiver.url } } });
      expect(platform.status).toBe(201);
      expect(platform.body.scope).toBe("platform");
      const teamHook = (await stack.api("POST", "/v1/channels", { auth: adminJwt, body: { ...platformBody, scope: "team", config: { url: `${receiver.url}/team` } } })).body;
      const hostId = newId("host");
      await publishEvent(stack.cp.deps.db, { type: "host.up", teamId: null, resourceId: hostId, data: { address: "10.0.0.2:9726" } });
      // The control plane's own host monitor may raise platform events too: look at ours.
      const ours = () => receiver.requests.filter((r) => JSON.parse(r.body).resource_id === hostId);
      await waitFor("the platform event", () => ours().length >= 1);
      await sleep(300);
      expect(ours()).toHaveLength(1);
      expect(receiver.requests.every((r) => r.url === "/" && JSON.parse(r.body).team_id === null)).toBe(true);
      expect(JSON.parse(ours()[0]!.body)).toMatchObject({ type: "host.up", team_id: null, resource_id: hostId, data: { address: "10.0.0.2:9726" } });
      expect(await deliveriesOf(adminJwt, teamHook.id)).toEqual([]);
      // An API key of the admin's team sees the platform channel but cannot change it.
      expect((await stack.api("PATCH", `/v1/channels/${platform.body.id}`, { body: { enabled: false } })).status).toBe(403);
      expect((await stack.api("DELETE", `/v1/channels/${platform.body.id}`, { auth: adminJwt })).status).toBe(204);
      expect((await stack.api("DELETE", `/v1/channels/${teamHook.id}`, { auth: adminJwt })).status).toBe(204);
    } finally {
      await receiver.close();
    }
  });

  it("sends test events in each provider's message shape (slack, discord, teams, google chat, telegram, matrix)", async () => {
    const team = await newTeam();
    const chat = await startReceiver();
    try {
      const make = async (provider: string, config: Record<string, string>) => {
        const res = await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: provider, provider, config, events: ["capsule.created"] } });
        expect(res.status, res.text).toBe(201);
        return res.body;
      };
      const slack = await make("slack", { webhook_url: `${chat.url}/slack` });
      const discord = await make("discord", { webhook_url: `${chat.url}/discord` });
      const teams = await make("teams", { webhook_url: `${chat.url}/teams` });
      const gchat = await make("google_chat", { webhook_url: `${chat.url}/gchat?key=k&token=t` });
      const tg = await make("telegram", { bot_token: "123456:ABCdefGhIJKlmNoPQRstuVWXyz0123456", chat_id: "-1001234567890" });
      const matrix = await make("matrix", { homeserver_url: `${chat.url}/mx/`, access_token: "syt_secret_token", room_id: "!room:example.org" });
      expect(tg.config).toEqual({ bot_token: "•••", chat_id: "-1001234567890" });
      expect(matrix.config).toEqual({ homeserver_url: `${chat.url}/mx/`, access_token: "•••", room_id: "!room:example.org" });
      expect(slack.config).toEqual({ webhook_url: `${chat.url}/•••` });

      for (const ch of [slack, discord, teams, gchat, tg, matrix]) {
        const res = await stack.api("POST", "/v1/channels/test", { auth: team.apiKey, body: { channel_id: ch.id } });
        expect(res.status, ch.provider).toBe(200);
        expect(res.body, ch.provider).toEqual({ ok: true, status_code: 200 });
      }
      const byPath = (prefix: string) => chat.requests.find((r) => r.url.startsWith(prefix))!;
      expect(JSON.parse(byPath("/slack").body)).toEqual({ text: expect.stringContaining("[Wrenn] Test notification") });
      expect(JSON.parse(byPath("/discord").body)).toEqual({ content: expect.stringContaining("[Wrenn] Test notification") });
      expect(JSON.parse(byPath("/teams").body)).toMatchObject({ "@type": "MessageCard", text: expect.stringContaining("Test notification") });
      expect(byPath("/gchat").url).toBe("/gchat?key=k&token=t");
      expect(JSON.parse(byPath("/gchat").body)).toEqual({ text: expect.stringContaining("Test notification") });

      const tgReq = telegram.requests.at(-1)!;
      expect(tgReq.method).toBe("POST");
      expect(tgReq.url).toBe("/tg/bot123456:ABCdefGhIJKlmNoPQRstuVWXyz0123456/sendMessage");
      expect(JSON.parse(tgReq.body)).toMatchObject({ chat_id: "-1001234567890", text: expect.stringContaining("Test notification") });

      const mx = byPath("/mx/");
      expect(mx.method).toBe("PUT");
      expect(mx.url).toMatch(/^\/mx\/_matrix\/client\/v3\/rooms\/!room%3Aexample\.org\/send\/m\.room\.message\/[0-9a-f-]{36}$/);
      expect(mx.headers.authorization).toBe("Bearer syt_secret_token");
      expect(JSON.parse(mx.body)).toEqual({ msgtype: "m.text", body: expect.stringContaining("Test notification") });

      // Queued events use the same shapes; the Matrix transaction id is the delivery id.
      await publishEvent(stack.cp.deps.db, { type: "capsule.created", teamId: team.teamId, resourceId: "cl-4f9k2m8q1z7x3c6v5b0n2h8j1", data: { template: "python" } });
      await waitFor("six queued messages", () => chat.requests.length >= 10 && telegram.requests.length >= 2);
      const slackQueued = chat.requests.filter((r) => r.url === "/slack").at(-1)!;
      expect(JSON.parse(slackQueued.body).text).toBe("[Wrenn] Capsule created: cl-4f9k2m8q1z7x3c6v5b0n2h8j1 (template: python)");
      const mxQueued = chat.requests.filter((r) => r.url.startsWith("/mx/")).at(-1)!;
      const [mxDelivery] = await deliveriesOf(team.apiKey, matrix.id);
      expect(mxQueued.url.endsWith(`/${mxDelivery.id}`)).toBe(true);

      // Unsaved configurations can be tried; failures come back as data.
      chat.respond = () => 500;
      const failing = await stack.api("POST", "/v1/channels/test", { auth: team.apiKey, body: { provider: "discord", config: { webhook_url: `${chat.url}/discord` } } });
      expect(failing.body).toEqual({ ok: false, status_code: 500, error: 'HTTP 500: {"error":"receiver says no"}' });
      const closed = await startReceiver();
      await closed.close();
      const unreachable = await stack.api("POST", "/v1/channels/test", { auth: team.apiKey, body: { provider: "webhook", config: { url: closed.url } } });
      expect(unreachable.body).toMatchObject({ ok: false, error: expect.stringContaining("ECONNREFUSED") });
      expect(unreachable.body.status_code).toBeUndefined();

      // By default (no WRENN_CHANNELS_ALLOW_PRIVATE) loopback and private targets are refused before any request.
      const before = chat.requests.length;
      stack.cp.deps.config.channelsAllowPrivate = false;
      try {
        const refused = await stack.api("POST", "/v1/channels/test", { auth: team.apiKey, body: { provider: "webhook", config: { url: `${chat.url}/private` } } });
        expect(refused.body).toMatchObject({ ok: false, error: expect.stringContaining("private or local address") });
      } finally {
        stack.cp.deps.config.channelsAllowPrivate = true;
      }
      expect(chat.requests.length).toBe(before);
    } finally {
      await chat.close();
    }
  });

  // Only PostgreSQL has separate sessions; on PGlite the test is not defined at all (not skipped).
  const itOnPostgres = backend === "postgres" ? it : ((() => {}) as unknown as typeof it);
  itOnPostgres("two workers on separate connections, claiming at the same time, deliver 200 events each exactly once", async () => {
    const team = await newTeam();
    const receiver = await startReceiver(() => sleep(Math.random() * 10).then(() => 200));
    const target = (stack.cp.database as TestDatabase).target as { url: string };
    const [db1, db2] = await Promise.all([openDatabase({ url: target.url, migrate: false }), openDatabase({ url: target.url, migrate: false })]);
    // The suite's worker pauses so the two below do all the work, pass by pass, side by side.
    await worker.stop();
    const workers = [
      startChannelDelivery({ ...stack.cp.deps, db: db1.db }, { log, intervalMs: 600_000, batchSize: 7 }),
      startChannelDelivery({ ...stack.cp.deps, db: db2.db }, { log, intervalMs: 600_000, batchSize: 7 }),
    ];
    try {
      const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "bulk", provider: "webhook", config: { url: receiver.url }, events: ["capsule.running"] } })).body;
      const N = 200;
      const resources = Array.from({ length: N }, () => newId("capsule"));
      for (const r of resources) await publishEvent(stack.cp.deps.db, { type: "capsule.running", teamId: team.teamId, resourceId: r, data: {} });
      const handled = [0, 0];
      const drive = async (i: number) => {
        for (let idle = 0; idle < 3; ) {
          const n = await workers[i]!.runOnce();
          handled[i]! += n;
          idle = n === 0 ? idle + 1 : 0;
        }
      };
      await Promise.all([drive(0), drive(1)]);
      await waitFor(`${N} deliveries`, () => receiver.requests.length >= N, 45_000);
      await sleep(300);
      expect(handled[0]! + handled[1]!).toBeLessThanOrEqual(N);
      expect(handled[0]).toBeGreaterThan(0);
      expect(handled[1]).toBeGreaterThan(0);
      expect(receiver.requests).toHaveLength(N);
      expect(new Set(receiver.requests.map((r) => r.headers["x-wrenn-delivery"])).size).toBe(N);
      expect(receiver.requests.map((r) => JSON.parse(r.body).resource_id).sort()).toEqual([...resources].sort());
      const counts = await stack.cp.deps.db
        .selectFrom("event_deliveries")
        .select(["status", "attempts", (eb) => eb.fn.countAll<string>().as("n")])
        .where("channel_id", "=", ch.id)
        .groupBy(["status", "attempts"])
        .execute();
      expect(counts.map((c) => ({ ...c, n: Number(c.n) }))).toEqual([{ status: "delivered", attempts: 1, n: N }]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await db1.close();
      await db2.close();
      await receiver.close();
      worker = startChannelDelivery(stack.cp.deps, { log, intervalMs: 25 });
    }
  });

  // Last: it closes the stack's control plane.
  it("delivers events published before a control-plane restart after it", async () => {
    const team = await newTeam();
    const receiver = await startReceiver();
    try {
      const ch = (await stack.api("POST", "/v1/channels", { auth: team.apiKey, body: { name: "restart", provider: "webhook", config: { url: receiver.url }, events: ["template.snapshot.created"] } })).body;
      await worker.stop();
      await stack.cp.close();
      const names = ["a", "b", "c", "d", "e"];
      for (const name of names) await publishEvent(stack.cp.database.db, { type: "template.snapshot.created", teamId: team.teamId, resourceId: name, data: { name } });
      expect(receiver.requests).toHaveLength(0);

      const next = await startControlPlane(stack.cp.deps.config, { database: stack.cp.database });
      const nextWorker = startChannelDelivery(next.deps, { log, intervalMs: 25 });
      try {
        await waitFor("the events from before the restart", () => receiver.requests.length >= names.length);
        await sleep(300);
        expect(receiver.requests.map((r) => JSON.parse(r.body).resource_id).sort()).toEqual(names);
        for (const r of receiver.requests) {
          const expected = createHmac("sha256", ch.secret).update(`${r.headers["x-wrenn-timestamp"] as string}.${r.body}`).digest("hex");
          expect(r.headers["x-wrenn-signature"]).toBe(`sha256=${expected}`);
        }
        const listed = await fetch(`${next.url}/v1/channels/${ch.id}/deliveries`, { headers: { "x-api-key": team.apiKey } }).then((r) => r.json());
        expect(listed.items.map((d: { status: string }) => d.status)).toEqual(names.map(() => "delivered"));
      } finally {
        await nextWorker.stop();
        await next.close();
      }
    } finally {
      await receiver.close();
    }
  });
});
