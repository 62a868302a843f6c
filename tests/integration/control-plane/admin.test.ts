// The platform admin API (/v1/admin): only sessions of platform admins get in (API keys of
// an admin's team do not), team and user listings with counts and cursor paging, BYOC,
// deleting any team, disabling users and granting admin (never the last admin, never
// yourself), the audit log and capsules of every team, and platform templates.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newId } from "@wrenn/core";
import type { CapsuleStatus } from "@wrenn/db";
import { dbBackends } from "@wrenn/testkit";
import { startStack, type Stack } from "./support/stack.js";

let serial = 0;
const uniqueEmail = (tag: string): string => `${tag}-${Date.now()}-${serial++}@example.test`;

interface Person {
  userId: string;
  teamId: string;
  email: string;
  apiKey: string;
  jwt: string;
}

describe.each(dbBackends)("platform admin API on %s", (backend) => {
  let stack: Stack;
  let admin: Person;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
    admin = { ...stack.account, jwt: await login(stack.account.email, stack.account.password) };
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function login(email: string, password: string): Promise<string> {
    const res = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email, password } });
    expect(res.status).toBe(200);
    return res.body.token;
  }

  /** An active ordinary user with a personal team, logged in. */
  async function person(tag: string): Promise<Person> {
    const acc = await stack.newAccount(uniqueEmail(tag));
    return { userId: acc.userId, teamId: acc.teamId, email: acc.email, apiKey: acc.apiKey, jwt: await login(acc.email, acc.password) };
  }

  async function insertCapsule(teamId: string, status: CapsuleStatus): Promise<string> {
    const id = newId("capsule");
    await stack.cp.deps.db
      .insertInto("capsules")
      .values({ id, team_id: teamId, host_id: null, template: "minimal", status, vcpus: 1, memory_mb: 512, error: null, created_by: null, started_at: new Date(), last_active_at: null, paused_at: null, stopped_at: null })
      .execute();
    return id;
  }

  /** Every page of a listing, following next_cursor. */
  async function allPages(path: string, key: string, limit: number): Promise<{ pages: { id: string }[][]; last: unknown }> {
    const pages: { id: string }[][] = [];
    let before: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const res: { status: number; body: Record<string, any> } = await stack.api("GET", `${path}${sep}limit=${limit}${before ? `&before=${before}` : ""}`, { auth: admin.jwt });
      expect(res.status).toBe(200);
      pages.push(res.body[key]);
      before = res.body.next_cursor;
    } while (before !== null && pages.length < 100);
    return { pages, last: before };
  }

  const bad = (res: { status: number; body: any }, code = "invalid_request"): void => {
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  };

  it("lets in only sessions of platform admins: 401 without auth, 403 for others and for any API key", async () => {
    const user = await person("plain");
    const someTeam = user.teamId;
    const routes: [string, string, unknown?][] = [
      ["GET", "/v1/admin/teams"],
      ["PATCH", `/v1/admin/teams/${someTeam}`, { is_byoc: true }],
      ["DELETE", `/v1/admin/teams/${someTeam}`],
      ["GET", "/v1/admin/users"],
      ["PATCH", `/v1/admin/users/${user.userId}`, { status: "disabled" }],
      ["GET", "/v1/admin/audit-logs"],
      ["GET", "/v1/admin/capsules"],
      ["GET", "/v1/admin/templates"],
      ["GET", "/v1/admin/builds"],
    ];
    for (const [method, path, body] of routes) {
      const none = await stack.api(method, path, { auth: null, ...(body ? { body } : {}) });
      expect(none.status, `${method} ${path}`).toBe(401);
      bad(none, "unauthorized");
      for (const auth of [user.jwt, user.apiKey, admin.apiKey]) {
        const res = await stack.api(method, path, { auth, ...(body ? { body } : {}) });
        expect(res.status, `${method} ${path}`).toBe(403);
        bad(res, "forbidden");
      }
    }
    // Nothing was changed by the refused calls.
    expect((await stack.api("GET", "/v1/me", { auth: user.jwt })).status).toBe(200);
    expect((await stack.api("GET", `/v1/teams/${someTeam}`, { auth: user.jwt })).body.is_byoc).toBe(false);
    for (const path of ["/v1/admin/teams", "/v1/admin/users", "/v1/admin/audit-logs", "/v1/admin/capsules", "/v1/admin/templates", "/v1/admin/builds"]) {
      expect((await stack.api("GET", path, { auth: admin.jwt })).status, path).toBe(200);
    }
  });

  it("lists live teams newest first with member and capsule counts, filters by q, pages without gaps", async () => {
    const [owner, friend] = [await person("counts"), await person("friend")];
    const team = (await stack.api("POST", "/v1/teams", { auth: owner.jwt, body: { name: "Zebra Research Lab" } })).body.id as string;
    expect((await stack.api("POST", `/v1/teams/${team}/members`, { auth: owner.jwt, body: { email: friend.email } })).status).toBe(201);
    for (const status of ["running", "paused", "pending", "stopped", "error"] as const) await insertCapsule(team, status);
    const gone = (await stack.api("POST", "/v1/teams", { auth: owner.jwt, body: { name: "Zebra Gone" } })).body.id as string;
    expect((await stack.api("DELETE", `/v1/teams/${gone}`, { auth: owner.jwt })).status).toBe(204);

    const all = await stack.api("GET", "/v1/admin/teams?limit=200", { auth: admin.jwt });
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    const ids = all.body.teams.map((t: { id: string }) => t.id);
    expect(ids[0]).toBe(team);
    expect(ids).not.toContain(gone);
    expect(ids).toEqual(expect.arrayContaining([admin.teamId, owner.teamId, friend.teamId]));
    expect(all.body.teams[0]).toEqual({ id: team, name: "Zebra Research Lab", is_byoc: false, created_at: expect.any(String), member_count: 2, capsule_count: 3 });

    const byName = await stack.api("GET", "/v1/admin/teams?q=zebra%20RESEARCH", { auth: admin.jwt });
    expect(byName.body.teams.map((t: { id: string }) => t.id)).toEqual([team]);
    expect((await stack.api("GET", `/v1/admin/teams?q=${owner.teamId}`, { auth: admin.jwt })).body.teams.map((t: { id: string }) => t.id)).toEqual([owner.teamId]);
    expect((await stack.api("GET", "/v1/admin/teams?q=&limit=200", { auth: admin.jwt })).body.teams).toHaveLength(ids.length);
    // LIKE wildcards in q are literal.
    expect((await stack.api("GET", "/v1/admin/teams?q=%25", { auth: admin.jwt })).body.teams).toEqual([]);

    const { pages, last } = await allPages("/v1/admin/teams", "teams", 2);
    expect(last).toBeNull();
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    expect(pages.flat().map((t) => t.id)).toEqual(ids);

    bad(await stack.api("GET", "/v1/admin/teams?limit=0", { auth: admin.jwt }));
    bad(await stack.api("GET", "/v1/admin/teams?limit=abc", { auth: admin.jwt }));
    bad(await stack.api("GET", "/v1/admin/teams?before=team-nope", { auth: admin.jwt }));
    const unknownCursor = await stack.api("GET", `/v1/admin/teams?before=${newId("team")}`, { auth: admin.jwt });
    expect(unknownCursor.status).toBe(400);
    bad(unknownCursor);
    // A deleted team is still a valid cursor (it was on a page before it went).
    expect((await stack.api("GET", `/v1/admin/teams?before=${gone}`, { auth: admin.jwt })).status).toBe(200);
  });

  it("turns BYOC on and off, auditing each change in the team's log", async () => {
    const owner = await person("byoc");
    const on = await stack.api("PATCH", `/v1/admin/teams/${owner.teamId}`, { auth: admin.jwt, body: { is_byoc: true } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ id: owner.teamId, name: expect.any(String), is_byoc: true, created_at: expect.any(String), member_count: 1, capsule_count: 0 });
    expect((await stack.api("GET", `/v1/teams/${owner.teamId}`, { auth: owner.jwt })).body.is_byoc).toBe(true);
    // Unchanged: no second audit entry.
    expect((await stack.api("PATCH", `/v1/admin/teams/${owner.teamId}`, { auth: admin.jwt, body: { is_byoc: true } })).status).toBe(200);
    const off = await stack.api("PATCH", `/v1/admin/teams/${owner.teamId}`, { auth: admin.jwt, body: { is_byoc: false } });
    expect(off.body.is_byoc).toBe(false);

    const log = await stack.api("GET", `/v1/admin/audit-logs?team_id=${owner.teamId}`, { auth: admin.jwt });
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(["team.byoc_disabled", "team.byoc_enabled"]);
    expect(log.body.items[0]).toMatchObject({ team_id: owner.teamId, actor_type: "user", actor_id: admin.userId, resource_type: "team", resource_id: owner.teamId });
    // The team's owners see it in their own log too.
    const own = await stack.api("GET", "/v1/audit-logs?resource_type=team", { auth: owner.jwt });
    expect(own.body.items.map((e: { action: string }) => e.action)).toEqual(["team.byoc_disabled", "team.byoc_enabled"]);

    const path = `/v1/admin/teams/${owner.teamId}`;
    for (const body of [{ is_byoc: "yes" }, { is_byoc: 1 }, {}, { is_byoc: true, name: "x" }]) {
      const res = await stack.api("PATCH", path, { auth: admin.jwt, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      bad(res);
    }
    bad(await stack.api("PATCH", path, { auth: admin.jwt, body: "not json" }));
    bad(await stack.api("PATCH", "/v1/admin/teams/team-nope", { auth: admin.jwt, body: { is_byoc: true } }));
    const missing = await stack.api("PATCH", `/v1/admin/teams/${newId("team")}`, { auth: admin.jwt, body: { is_byoc: true } });
    expect(missing.status).toBe(404);
    bad(missing, "not_found");
  });

  it("deletes any team, refusing with team_has_capsules while capsules live; its keys and sessions then die", async () => {
    const owner = await person("doomed");
    const team = (await stack.api("POST", "/v1/teams", { auth: owner.jwt, body: { name: "Doomed" } })).body.id as string;
    const session = (await stack.api("POST", "/v1/auth/switch-team", { auth: owner.jwt, body: { team_id: team } })).body.token as string;
    const key = (await stack.api("POST", "/v1/api-keys", { auth: session, body: { name: "doomed" } })).body.key as string;
    const paused = await insertCapsule(team, "paused");
    const running = await insertCapsule(team, "running");
    await insertCapsule(team, "stopped");
    await insertCapsule(team, "error");

    const refused = await stack.api("DELETE", `/v1/admin/teams/${team}`, { auth: admin.jwt });
    expect(refused.status).toBe(409);
    // Ordered by created_at, then id: two rows inserted within the embedded database's clock tick tie on created_at.
    expect(refused.body.error).toEqual({ code: "team_has_capsules", message: expect.stringContaining("2 pending, running or paused"), details: { capsule_ids: expect.any(Array) } });
    expect([...refused.body.error.details.capsule_ids].sort()).toEqual([paused, running].sort());
    expect((await stack.api("GET", "/v1/api-keys", { auth: key })).status).toBe(200);

    await stack.cp.deps.db.updateTable("capsules").set({ status: "stopped", stopped_at: new Date() }).where("team_id", "=", team).execute();
    expect((await stack.api("DELETE", `/v1/admin/teams/${team}`, { auth: admin.jwt })).status).toBe(204);
    const deadKey = await stack.api("GET", "/v1/api-keys", { auth: key });
    expect(deadKey.status).toBe(401);
    bad(deadKey, "unauthorized");
    expect((await stack.api("GET", "/v1/me", { auth: session })).status).toBe(401);
    expect((await stack.api("GET", "/v1/me", { auth: owner.jwt })).status).toBe(200);
    expect((await stack.api("GET", `/v1/admin/teams?q=${team}`, { auth: admin.jwt })).body.teams).toEqual([]);
    expect((await stack.api("DELETE", `/v1/admin/teams/${team}`, { auth: admin.jwt })).status).toBe(404);

    const log = await stack.api("GET", `/v1/admin/audit-logs?team_id=${team}&action=team.delete`, { auth: admin.jwt });
    expect(log.body.items).toEqual([expect.objectContaining({ actor_id: admin.userId, resource_id: team, metadata: { name: "Doomed", platform_admin: true } })]);
    bad(await stack.api("DELETE", "/v1/admin/teams/nope", { auth: admin.jwt }));
  });

  it("lists users of every status with team counts, filtered by e-mail, paged without gaps", async () => {
    const [ada, grace] = [await person("list-ada"), await person("list-grace")];
    const team = (await stack.api("POST", "/v1/teams", { auth: ada.jwt, body: { name: "Pair" } })).body.id as string;
    expect((await stack.api("POST", `/v1/teams/${team}/members`, { auth: ada.jwt, body: { email: grace.email } })).status).toBe(201);
    const pendingEmail = uniqueEmail("list-pending");
    const signup = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: pendingEmail, password: "a long enough passphrase" } });
    expect(signup.status).toBe(201);

    const all = await stack.api("GET", "/v1/admin/users?limit=200", { auth: admin.jwt });
    expect(all.status).toBe(200);
    const byId = new Map(all.body.users.map((u: { id: string }) => [u.id, u]));
    expect(byId.get(grace.userId)).toEqual({ id: grace.userId, email: grace.email, name: "", status: "active", is_admin: false, created_at: expect.any(String), team_count: 2 });
    expect(byId.get(signup.body.user.id)).toMatchObject({ status: "pending", team_count: 1 });
    expect(byId.get(admin.userId)).toMatchObject({ is_admin: true, status: "active" });
    expect(all.body.users[0].id).toBe(signup.body.user.id);

    const found = await stack.api("GET", `/v1/admin/users?email=${encodeURIComponent(grace.email.slice(0, 18).toUpperCase())}`, { auth: admin.jwt });
    expect(found.body.users.map((u: { id: string }) => u.id)).toEqual([grace.userId]);
    expect((await stack.api("GET", "/v1/admin/users?email=_", { auth: admin.jwt })).body.users).toEqual([]);

    const { pages, last } = await allPages("/v1/admin/users", "users", 3);
    expect(last).toBeNull();
    expect(pages.flat().map((u) => u.id)).toEqual(all.body.users.map((u: { id: string }) => u.id));

    bad(await stack.api("GET", "/v1/admin/users?limit=201", { auth: admin.jwt }));
    bad(await stack.api("GET", `/v1/admin/users?before=${admin.teamId}`, { auth: admin.jwt }));
    bad(await stack.api("GET", `/v1/admin/users?before=${newId("user")}`, { auth: admin.jwt }));
  });

  it("disables a user (their session fails on the next request) and activates users again, pending ones too", async () => {
    const victim = await person("disabled");
    expect((await stack.api("GET", "/v1/me", { auth: victim.jwt })).status).toBe(200);
    const disabled = await stack.api("PATCH", `/v1/admin/users/${victim.userId}`, { auth: admin.jwt, body: { status: "disabled" } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ id: victim.userId, email: victim.email, name: "", status: "disabled", is_admin: false, created_at: expect.any(String), team_count: 1 });
    const refused = await stack.api("GET", "/v1/me", { auth: victim.jwt });
    expect(refused.status).toBe(401);
    bad(refused, "unauthorized");
    expect((await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: victim.email, password: stack.account.password } })).status).not.toBe(200);

    expect((await stack.api("PATCH", `/v1/admin/users/${victim.userId}`, { auth: admin.jwt, body: { status: "active" } })).body.status).toBe("active");
    expect((await stack.api("GET", "/v1/me", { auth: await login(victim.email, stack.account.password) })).status).toBe(200);

    const pendingEmail = uniqueEmail("pending");
    const pending = (await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: pendingEmail, password: "a long enough passphrase" } })).body.user.id as string;
    expect((await stack.api("PATCH", `/v1/admin/users/${pending}`, { auth: admin.jwt, body: { status: "active" } })).body.status).toBe("active");
    expect((await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: pendingEmail, password: "a long enough passphrase" } })).status).toBe(200);

    const log = await stack.api("GET", "/v1/admin/audit-logs?limit=200", { auth: admin.jwt });
    const mine = log.body.items.filter((e: { actor_id: string; resource_id: string }) => e.actor_id === admin.userId && (e.resource_id === victim.userId || e.resource_id === pending));
    expect(mine.map((e: { action: string; resource_id: string }) => [e.action, e.resource_id])).toEqual([
      ["user.activated", pending],
      ["user.activated", victim.userId],
      ["user.disabled", victim.userId],
    ]);
    expect(mine[0]).toMatchObject({ team_id: null, actor_type: "user", actor_id: admin.userId, resource_type: "user", metadata: { email: pendingEmail, from: "pending" } });

    const path = `/v1/admin/users/${victim.userId}`;
    for (const body of [{}, { status: "pending" }, { status: "gone" }, { is_admin: "yes" }, { status: "active", role: "owner" }, { is_admin: null }]) {
      const res = await stack.api("PATCH", path, { auth: admin.jwt, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      bad(res);
    }
    bad(await stack.api("PATCH", "/v1/admin/users/usr-nope", { auth: admin.jwt, body: { status: "active" } }));
    bad(await stack.api("PATCH", `/v1/admin/users/${victim.teamId}`, { auth: admin.jwt, body: { status: "active" } }));
    const missing = await stack.api("PATCH", `/v1/admin/users/${newId("user")}`, { auth: admin.jwt, body: { status: "active" } });
    expect(missing.status).toBe(404);
    bad(missing, "not_found");
  });

  it("grants and revokes admin; nobody demotes or disables themselves, and the last admin stays", async () => {
    const alone = await stack.api("PATCH", `/v1/admin/users/${admin.userId}`, { auth: admin.jwt, body: { is_admin: false } });
    expect(alone.status).toBe(409);
    expect(alone.body.error).toEqual({ code: "conflict", message: expect.stringContaining("last active platform admin") });
    expect((await stack.api("PATCH", `/v1/admin/users/${admin.userId}`, { auth: admin.jwt, body: { status: "disabled" } })).status).toBe(409);

    const bob = await person("bob-admin");
    const granted = await stack.api("PATCH", `/v1/admin/users/${bob.userId}`, { auth: admin.jwt, body: { is_admin: true } });
    expect(granted.status).toBe(200);
    expect(granted.body.is_admin).toBe(true);
    // The existing session carries no role: it is admin from the next request on.
    expect((await stack.api("GET", "/v1/admin/users", { auth: bob.jwt })).status).toBe(200);
    expect((await stack.api("GET", "/v1/admin/users", { auth: bob.apiKey })).status).toBe(403);

    for (const body of [{ is_admin: false }, { status: "disabled" }, { status: "disabled", is_admin: false }]) {
      const self = await stack.api("PATCH", `/v1/admin/users/${admin.userId}`, { auth: admin.jwt, body });
      expect(self.status, JSON.stringify(body)).toBe(409);
      expect(self.body.error).toEqual({ code: "conflict", message: expect.stringMatching(/your own/) });
    }
    const selfBob = await stack.api("PATCH", `/v1/admin/users/${bob.userId}`, { auth: bob.jwt, body: { is_admin: false } });
    expect(selfBob.status).toBe(409);
    // Setting what is already so is fine.
    expect((await stack.api("PATCH", `/v1/admin/users/${admin.userId}`, { auth: admin.jwt, body: { is_admin: true, status: "active" } })).status).toBe(200);

    const revoked = await stack.api("PATCH", `/v1/admin/users/${bob.userId}`, { auth: admin.jwt, body: { is_admin: false } });
    expect(revoked.body.is_admin).toBe(false);
    expect((await stack.api("GET", "/v1/admin/users", { auth: bob.jwt })).status).toBe(403);
    expect((await stack.api("PATCH", `/v1/admin/users/${admin.userId}`, { auth: admin.jwt, body: { is_admin: false } })).status).toBe(409);

    const log = await stack.api("GET", "/v1/admin/audit-logs?limit=200", { auth: admin.jwt });
    const bobs = log.body.items.filter((e: { actor_id: string; resource_id: string }) => e.actor_id === admin.userId && e.resource_id === bob.userId).map((e: { action: string }) => e.action);
    expect(bobs).toEqual(["user.admin_revoked", "user.admin_granted"]);
  });

  it("reads the audit log of every team with filters and cursor paging", async () => {
    const [ann, ben] = [await person("audit-ann"), await person("audit-ben")];
    for (const p of [ann, ben, ann]) expect((await stack.api("POST", "/v1/api-keys", { auth: p.apiKey, body: { name: "k" } })).status).toBe(201);

    const creates = await stack.api("GET", "/v1/admin/audit-logs?action=api_key.create", { auth: admin.jwt });
    expect(creates.status).toBe(200);
    const teams = creates.body.items.slice(0, 3).map((e: { team_id: string }) => e.team_id);
    expect(teams).toEqual([ann.teamId, ben.teamId, ann.teamId]);
    expect(creates.body.items[0]).toEqual({
      id: expect.stringMatching(/^log-[0-9a-z]{25}$/),
      team_id: ann.teamId,
      actor_type: "api_key",
      actor_id: expect.stringMatching(/^key-/),
      action: "api_key.create",
      resource_type: "api_key",
      resource_id: expect.stringMatching(/^key-/),
      metadata: expect.any(Object),
      created_at: expect.any(String),
    });
    const annOnly = await stack.api("GET", `/v1/admin/audit-logs?team_id=${ann.teamId}`, { auth: admin.jwt });
    expect(annOnly.body.items.map((e: { team_id: string }) => e.team_id)).toEqual([ann.teamId, ann.teamId]);

    const all = await stack.api("GET", "/v1/admin/audit-logs?limit=200", { auth: admin.jwt });
    const { pages, last } = await allPages("/v1/admin/audit-logs", "items", 4);
    expect(last).toBeNull();
    expect(pages.flat().map((e) => e.id)).toEqual(all.body.items.map((e: { id: string }) => e.id));
    expect(new Set(pages.flat().map((e) => e.id)).size).toBe(pages.flat().length);

    bad(await stack.api("GET", "/v1/admin/audit-logs?before=abc", { auth: admin.jwt }));
    bad(await stack.api("GET", "/v1/admin/audit-logs?team_id=team-nope", { auth: admin.jwt }));
    bad(await stack.api("GET", "/v1/admin/audit-logs?limit=-1", { auth: admin.jwt }));
  });

  it("lists capsules of every team in the public capsule shape plus team_id", async () => {
    const [one, two] = [await person("caps-one"), await person("caps-two")];
    const a = await insertCapsule(one.teamId, "running");
    const b = await insertCapsule(two.teamId, "paused");
    const c = await insertCapsule(two.teamId, "stopped");

    const list = await stack.api("GET", "/v1/admin/capsules", { auth: admin.jwt });
    expect(list.status).toBe(200);
    const ids = list.body.capsules.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    expect(ids).not.toContain(c);
    expect(list.body.capsules.find((x: { id: string }) => x.id === a)).toEqual({
      id: a,
      team_id: one.teamId,
      status: "running",
      template: "minimal",
      vcpus: 1,
      memory_mb: 512,
      timeout_sec: expect.any(Number),
      created_at: expect.any(String),
      started_at: expect.any(String),
      last_active_at: null,
      host_id: null,
      metadata: {},
      envd_version: expect.any(String),
    });
    // Another team's own listing does not see them.
    expect((await stack.api("GET", "/v1/capsules", { auth: one.apiKey })).body.map((x: { id: string }) => x.id)).toEqual([a]);

    expect((await stack.api("GET", `/v1/admin/capsules?team_id=${two.teamId}`, { auth: admin.jwt })).body.capsules.map((x: { id: string }) => x.id)).toEqual([b]);
    expect((await stack.api("GET", `/v1/admin/capsules?team_id=${two.teamId}&status=stopped`, { auth: admin.jwt })).body.capsules.map((x: { id: string }) => x.id)).toEqual([c]);
    expect((await stack.api("GET", "/v1/admin/capsules?limit=1", { auth: admin.jwt })).body.capsules).toHaveLength(1);
    bad(await stack.api("GET", "/v1/admin/capsules?status=sleeping", { auth: admin.jwt }));
    bad(await stack.api("GET", "/v1/admin/capsules?team_id=x", { auth: admin.jwt }));
  });

  it("lists platform templates (and says when the agent's built-ins could not be read)", async () => {
    const owner = await person("tpl");
    const base = { kind: "image" as const, base_template: "python", vcpus: 1, memory_mb: 512, size_bytes: 1024, host_id: null, created_by: admin.userId };
    await stack.cp.deps.db
      .insertInto("templates")
      .values([
        { id: newId("template"), name: "platform-env", team_id: null, agent_name: newId("template"), ...base },
        { id: newId("template"), name: "team-env", team_id: owner.teamId, agent_name: newId("template"), ...base },
      ])
      .execute();
    const res = await stack.api("GET", "/v1/admin/templates", { auth: admin.jwt });
    expect(res.status).toBe(200);
    // The stack has no agent: only the platform templates are listed.
    expect(res.body).toEqual({
      builtins_available: false,
      templates: [{ name: "platform-env", type: "base", base_template: "python", vcpus: 1, memory_mb: 512, size_bytes: 1024, created_at: expect.any(String), builtin: false }],
    });
  });
});
