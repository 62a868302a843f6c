// Team API keys through the public API: create (plaintext once), list (never the secret),
// last_used_at, revoke (401 at once), who may manage them, and team isolation.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newId } from "@wrenn/core";
import { startControlPlane, type RunningControlPlane } from "@wrenn/control-plane";
import { openDatabase, type WrennDatabase } from "@wrenn/db";
import { dbBackends, type TestDatabase } from "@wrenn/testkit";
import { sql } from "kysely";
import { startStack, type Stack } from "./support/stack.js";

let serial = 0;
const uniqueEmail = (tag: string): string => `${tag}-${Date.now()}-${serial++}@example.test`;

describe.each(dbBackends)("API keys on %s", (backend) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function jwtOf(email: string, password: string): Promise<string> {
    return (await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password } })).body.token;
  }

  it("creates a key shown once, lists it without the secret, records its use, and revokes it at once", async () => {
    const created = await stack.api("POST", "/v1/api-keys", { body: { name: "ci" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^key-[0-9a-z]{25}$/), name: "ci", key: expect.stringMatching(/^wrn_[0-9a-f]{32}$/), key_prefix: created.body.key.slice(0, 8), created_at: expect.any(String) });
    const { id, key } = created.body;

    const before = await stack.api("GET", "/v1/api-keys");
    const listed = before.body.items.find((k: { id: string }) => k.id === id);
    expect(listed).toEqual({ id, name: "ci", key_prefix: key.slice(0, 8), created_by: { id: stack.account.userId, email: stack.account.email }, created_at: created.body.created_at, last_used_at: null });
    expect(before.text).not.toContain(key);
    expect(before.text).not.toMatch(/key_hash|[0-9a-f]{64}/);

    expect((await stack.api("GET", "/v1/api-keys", { auth: key })).status).toBe(200);
    // Recorded alongside the request, not before its answer.
    const lastUsed = async (): Promise<number> => Date.parse((await stack.api("GET", "/v1/api-keys")).body.items.find((k: { id: string }) => k.id === id).last_used_at);
    await expect.poll(lastUsed).toBeGreaterThan(Date.now() - 60_000);

    const revoked = await stack.api("DELETE", `/v1/api-keys/${id}`);
    expect(revoked.status).toBe(204);
    const rejected = await stack.api("GET", "/v1/api-keys", { auth: key });
    expect(rejected.status).toBe(401);
    expect(rejected.body.error.code).toBe("unauthorized");
    expect((await stack.api("DELETE", `/v1/api-keys/${id}`)).status).toBe(404);
    expect((await stack.api("GET", "/v1/api-keys")).body.items.map((k: { id: string }) => k.id)).not.toContain(id);

    const audit = await stack.api("GET", "/v1/audit-logs?resource_type=api_key&limit=2");
    expect(audit.body.items.map((e: { action: string; resource_id: string }) => [e.action, e.resource_id])).toEqual([
      ["api_key.revoke", id],
      ["api_key.create", id],
    ]);
    expect(audit.body.items[0]).toMatchObject({ actor_type: "api_key", actor_id: stack.account.apiKeyId });
  });

  it("a key can revoke itself; the next request with it is refused", async () => {
    const { id, key } = (await stack.api("POST", "/v1/api-keys", { body: { name: "self" } })).body;
    expect((await stack.api("DELETE", `/v1/api-keys/${id}`, { auth: key })).status).toBe(204);
    expect((await stack.api("GET", "/v1/api-keys", { auth: key })).status).toBe(401);
  });

  it("keeps teams apart: a key of team B neither sees nor revokes team A's keys", async () => {
    const b = await stack.newAccount(uniqueEmail("team-b"));
    const aKey = (await stack.api("POST", "/v1/api-keys", { body: { name: "a-only" } })).body;
    const bList = await stack.api("GET", "/v1/api-keys", { auth: b.apiKey });
    expect(bList.body.items.map((k: { id: string }) => k.id)).toEqual([b.apiKeyId]);
    const steal = await stack.api("DELETE", `/v1/api-keys/${aKey.id}`, { auth: b.apiKey });
    expect(steal.status).toBe(404);
    expect((await stack.api("GET", "/v1/api-keys", { auth: aKey.key })).status).toBe(200);
    const aList = await stack.api("GET", "/v1/api-keys");
    expect(aList.body.items.map((k: { id: string }) => k.id)).not.toContain(b.apiKeyId);
  });

  it("sessions: members may list but not manage keys; owners and admins may", async () => {
    const owner = await stack.newAccount(uniqueEmail("key-owner"));
    const member = await stack.newAccount(uniqueEmail("key-member"));
    const ownerJwt = await jwtOf(owner.email, owner.password);
    expect((await stack.api("POST", `/v1/teams/${owner.teamId}/members`, { auth: ownerJwt, body: { email: member.email, role: "member" } })).status).toBe(201);
    const memberJwt = (await stack.api("POST", "/v1/auth/switch-team", { auth: await jwtOf(member.email, member.password), body: { team_id: owner.teamId } })).body.token;

    expect((await stack.api("GET", "/v1/api-keys", { auth: memberJwt })).status).toBe(200);
    const denied = await stack.api("POST", "/v1/api-keys", { auth: memberJwt, body: { name: "nope" } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("owner or admin");
    expect((await stack.api("DELETE", `/v1/api-keys/${owner.apiKeyId}`, { auth: memberJwt })).status).toBe(403);

    const made = await stack.api("POST", "/v1/api-keys", { auth: ownerJwt, body: { name: "by owner" } });
    expect(made.status).toBe(201);
    const list = await stack.api("GET", "/v1/api-keys", { auth: ownerJwt });
    expect(list.body.items.find((k: { id: string }) => k.id === made.body.id).created_by).toEqual({ id: owner.userId, email: owner.email });

    expect((await stack.api("PATCH", `/v1/teams/${owner.teamId}/members/${member.userId}`, { auth: ownerJwt, body: { role: "admin" } })).status).toBe(200);
    // The role is read from the database on every request: the same token now may manage keys.
    expect((await stack.api("POST", "/v1/api-keys", { auth: memberJwt, body: { name: "by admin" } })).status).toBe(201);
  });

  // Keys in use are kept in memory (ApiKeyCache): whatever ends a key must end it there too.
  it("a used key stops working at once when its team or its creator's account is deleted", async () => {
    const viaTeam = await stack.newAccount(uniqueEmail("team-gone"));
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaTeam.apiKey })).status).toBe(200);
    expect((await stack.api("DELETE", `/v1/teams/${viaTeam.teamId}`, { auth: await jwtOf(viaTeam.email, viaTeam.password) })).status).toBe(204);
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaTeam.apiKey })).status).toBe(401);

    const viaAdmin = await stack.newAccount(uniqueEmail("admin-gone"));
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaAdmin.apiKey })).status).toBe(200);
    const adminJwt = await jwtOf(stack.account.email, stack.account.password);
    expect((await stack.api("DELETE", `/v1/admin/teams/${viaAdmin.teamId}`, { auth: adminJwt })).status).toBe(204);
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaAdmin.apiKey })).status).toBe(401);

    const viaAccount = await stack.newAccount(uniqueEmail("me-gone"));
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaAccount.apiKey })).status).toBe(200);
    expect((await stack.api("DELETE", "/v1/me", { auth: await jwtOf(viaAccount.email, viaAccount.password) })).status).toBe(204);
    expect((await stack.api("GET", "/v1/api-keys", { auth: viaAccount.apiKey })).status).toBe(401);
  });

  it("validates names and ids", async () => {
    expect((await stack.api("POST", "/v1/api-keys", { body: { name: "   " } })).status).toBe(400);
    expect((await stack.api("POST", "/v1/api-keys", { body: { name: "x".repeat(101) } })).status).toBe(400);
    expect((await stack.api("POST", "/v1/api-keys", { body: {} })).status).toBe(400);
    expect((await stack.api("POST", "/v1/api-keys", { body: "[1,2" })).body.error.code).toBe("invalid_request");
    expect((await stack.api("DELETE", "/v1/api-keys/key-123")).status).toBe(400);
    expect((await stack.api("DELETE", `/v1/api-keys/${newId("apiKey")}`)).status).toBe(404);
    expect((await stack.api("GET", "/v1/api-keys", { auth: "wrn_0123" })).status).toBe(401);
    expect((await stack.api("GET", "/v1/api-keys", { auth: null })).status).toBe(401);
  });
});

// Replicas share one PostgreSQL; each keeps the keys it saw in memory. A revocation on one
// reaches the others by NOTIFY, and a replica that cannot hear notifications keeps nothing.
// (The embedded database belongs to one process: there are no replicas to test there.)
describe("API keys across control-plane replicas on postgres", () => {
  let stack: Stack;
  let replicaDb: WrennDatabase;
  let replica: RunningControlPlane;
  beforeAll(async () => {
    stack = await startStack({ backend: "postgres", postgresUrl: inject("postgresUrl") });
    const { url } = (stack.cp.database as TestDatabase).target as { url: string };
    replicaDb = await openDatabase({ url, migrate: false });
    replica = await startControlPlane({ ...stack.cp.deps.config, port: 0 }, { database: replicaDb });
  });
  afterAll(async () => {
    await replica?.close();
    await replicaDb?.close();
    await stack?.close();
  });

  const onReplica = async (key: string): Promise<number> => (await fetch(`${replica.url}/v1/api-keys`, { headers: { "x-api-key": key } })).status;
  const newKey = async (name: string): Promise<{ id: string; key: string }> => (await stack.api("POST", "/v1/api-keys", { body: { name } })).body;

  it("a key revoked on one replica is refused by another that had it in memory", async () => {
    await expect.poll(() => replica.deps.apiKeys.live).toBe(true);
    const { id, key } = await newKey("replicated");
    expect(await onReplica(key)).toBe(200);
    expect(replica.deps.apiKeys.size).toBeGreaterThan(0);
    expect((await stack.api("DELETE", `/v1/api-keys/${id}`)).status).toBe(204);
    // The notification travels at commit: the replica refuses the key within milliseconds.
    await expect.poll(() => onReplica(key), { timeout: 2_000, interval: 20 }).toBe(401);
  });

  it("without notifications (listening connection lost) every key is read from the database, until they are back", async () => {
    const { id, key } = await newKey("unheard");
    expect(await onReplica(key)).toBe(200);
    expect(replica.deps.apiKeys.size).toBeGreaterThan(0);
    const db = stack.cp.deps.db;
    const ended = await sql<{ ended: boolean }>`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'wrenn-listen-wrenn_credentials' AND pid <> pg_backend_pid()`.execute(db);
    expect(ended.rows.length).toBe(2); // one listener per replica
    await expect.poll(() => replica.deps.apiKeys.live, { interval: 5 }).toBe(false);
    expect(replica.deps.apiKeys.size).toBe(0);
    // Revoked behind everyone's back, while nobody listens: refused at once all the same.
    await db.updateTable("team_api_keys").set({ revoked_at: new Date() }).where("id", "=", id).execute();
    expect(await onReplica(key)).toBe(401);
    // It reconnects on its own, and keeps keys again.
    await expect.poll(() => replica.deps.apiKeys.live, { timeout: 10_000 }).toBe(true);
    const another = await newKey("heard again");
    expect(await onReplica(another.key)).toBe(200);
    expect(replica.deps.apiKeys.size).toBeGreaterThan(0);
  });
});
