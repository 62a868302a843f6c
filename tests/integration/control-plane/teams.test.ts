// Teams and membership through the public API: CRUD, who may add/promote/remove whom,
// leaving, deleting with live capsules, account deletion rules, profile changes and user
// search. Team routes act on the team in the path, whatever team the caller's token is for.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newId } from "@wrenn/core";
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

describe.each(dbBackends)("teams on %s", (backend) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** An active user with a personal team, logged in. */
  async function person(tag: string): Promise<Person> {
    const acc = await stack.newAccount(uniqueEmail(tag));
    const res = await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: acc.email, password: acc.password } });
    expect(res.status).toBe(200);
    return { userId: acc.userId, teamId: acc.teamId, email: acc.email, apiKey: acc.apiKey, jwt: res.body.token };
  }

  async function newTeam(owner: Person, name = "Team"): Promise<string> {
    const res = await stack.api("POST", "/v1/teams", { auth: owner.jwt, body: { name } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function add(by: Person, teamId: string, who: Person, role = "member"): Promise<number> {
    return (await stack.api("POST", `/v1/teams/${teamId}/members`, { auth: by.jwt, body: { email: who.email, role } })).status;
  }

  async function roleOf(teamId: string, as: Person, userId: string): Promise<string | undefined> {
    const res = await stack.api("GET", `/v1/teams/${teamId}/members`, { auth: as.jwt });
    return res.body.items.find((m: { user_id: string }) => m.user_id === userId)?.role;
  }

  it("creates, reads, renames and lists teams; strangers get 404 and API keys 403", async () => {
    const ada = await person("ada");
    const created = await stack.api("POST", "/v1/teams", { auth: ada.jwt, body: { name: "  Research  " } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^team-[0-9a-z]{25}$/), name: "Research", role: "owner", is_byoc: false });
    const id = created.body.id;

    const list = await stack.api("GET", "/v1/teams", { auth: ada.jwt });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([ada.teamId, id]);
    expect((await stack.api("GET", `/v1/teams/${id}`, { auth: ada.jwt })).body).toMatchObject({ id, name: "Research", role: "owner" });

    const renamed = await stack.api("PATCH", `/v1/teams/${id}`, { auth: ada.jwt, body: { name: "Lab" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Lab");

    const stranger = await person("stranger");
    for (const [method, body] of [["GET"], ["PATCH", { name: "mine now" }], ["DELETE"]] as const) {
      const res = await stack.api(method, `/v1/teams/${id}`, { auth: stranger.jwt, ...(body ? { body } : {}) });
      expect(res.status, method).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await stack.api("GET", `/v1/teams/${newId("team")}`, { auth: ada.jwt })).status).toBe(404);
    expect((await stack.api("GET", "/v1/teams/team-nope", { auth: ada.jwt })).status).toBe(400);
    expect((await stack.api("POST", "/v1/teams", { auth: ada.jwt, body: { name: "" } })).status).toBe(400);
    expect((await stack.api("POST", "/v1/teams", { auth: ada.jwt, body: { name: 7 } })).status).toBe(400);
    expect((await stack.api("GET", "/v1/teams", { auth: ada.apiKey })).status).toBe(403);
    expect((await stack.api("GET", "/v1/teams", { auth: null })).status).toBe(401);

    const audit = await stack.api("GET", "/v1/audit-logs?resource_type=team", { auth: (await stack.api("POST", "/v1/auth/switch-team", { auth: ada.jwt, body: { team_id: id } })).body.token });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(["team.update", "team.create"]);
    expect(audit.body.items[0].metadata).toEqual({ name: { from: "Research", to: "Lab" } });
  });

  it("enforces roles: members cannot manage, admins cannot touch owners, only owners grant owner", async () => {
    const [owner, admin, member, other, pendingUser] = [await person("owner"), await person("admin"), await person("member"), await person("other"), uniqueEmail("pending")];
    const team = await newTeam(owner);
    expect(await add(owner, team, admin, "admin")).toBe(201);
    expect(await add(owner, team, member)).toBe(201);

    expect(await add(member, team, other)).toBe(403);
    expect((await stack.api("PATCH", `/v1/teams/${team}`, { auth: member.jwt, body: { name: "x" } })).status).toBe(403);
    expect((await stack.api("DELETE", `/v1/teams/${team}/members/${admin.userId}`, { auth: member.jwt })).status).toBe(403);

    expect(await add(admin, team, other, "owner")).toBe(403);
    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${owner.userId}`, { auth: admin.jwt, body: { role: "member" } })).status).toBe(403);
    expect((await stack.api("DELETE", `/v1/teams/${team}/members/${owner.userId}`, { auth: admin.jwt })).status).toBe(403);
    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${member.userId}`, { auth: admin.jwt, body: { role: "owner" } })).status).toBe(403);
    expect((await stack.api("DELETE", `/v1/teams/${team}`, { auth: admin.jwt })).status).toBe(403);

    const promoted = await stack.api("PATCH", `/v1/teams/${team}/members/${member.userId}`, { auth: admin.jwt, body: { role: "admin" } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ user_id: member.userId, email: member.email, role: "admin" });
    expect(await add(admin, team, other)).toBe(201);
    expect(await add(admin, team, other)).toBe(409);

    const ghost = await stack.api("POST", `/v1/teams/${team}/members`, { auth: owner.jwt, body: { email: uniqueEmail("ghost") } });
    expect(ghost.status).toBe(404);
    await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: pendingUser, password: "a long enough passphrase" } });
    expect((await stack.api("POST", `/v1/teams/${team}/members`, { auth: owner.jwt, body: { email: pendingUser } })).status).toBe(404);
    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${newId("user")}`, { auth: owner.jwt, body: { role: "admin" } })).status).toBe(404);
    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${other.userId}`, { auth: owner.jwt, body: { role: "boss" } })).status).toBe(400);

    const members = await stack.api("GET", `/v1/teams/${team}/members`, { auth: other.jwt });
    expect(members.body.items.map((m: { user_id: string; role: string }) => [m.user_id, m.role])).toEqual([
      [owner.userId, "owner"],
      [admin.userId, "admin"],
      [member.userId, "admin"],
      [other.userId, "member"],
    ]);

    const ownerSession = (await stack.api("POST", "/v1/auth/switch-team", { auth: owner.jwt, body: { team_id: team } })).body.token;
    const audit = await stack.api("GET", "/v1/audit-logs?resource_type=user", { auth: ownerSession });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(["member.add", "member.role_change", "member.add", "member.add"]);
    expect(audit.body.items[1]).toMatchObject({ actor_id: admin.userId, resource_id: member.userId, metadata: { from: "member", to: "admin" } });
  });

  it("keeps one owner: the last owner can neither leave nor be demoted; after a transfer they can", async () => {
    const [owner, second] = [await person("sole"), await person("heir")];
    const team = await newTeam(owner);
    expect(await add(owner, team, second)).toBe(201);

    const leave = await stack.api("POST", `/v1/teams/${team}/leave`, { auth: owner.jwt });
    expect(leave.status).toBe(409);
    expect(leave.body.error).toEqual({ code: "conflict", message: expect.stringContaining("last owner") });
    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${owner.userId}`, { auth: owner.jwt, body: { role: "admin" } })).status).toBe(409);
    expect((await stack.api("DELETE", `/v1/teams/${team}/members/${owner.userId}`, { auth: owner.jwt })).status).toBe(409);

    expect((await stack.api("PATCH", `/v1/teams/${team}/members/${second.userId}`, { auth: owner.jwt, body: { role: "owner" } })).status).toBe(200);
    expect((await stack.api("POST", `/v1/teams/${team}/leave`, { auth: owner.jwt })).status).toBe(204);
    expect((await stack.api("GET", `/v1/teams/${team}`, { auth: owner.jwt })).status).toBe(404);
    expect(await roleOf(team, second, second.userId)).toBe("owner");
    expect(await roleOf(team, second, owner.userId)).toBeUndefined();
    // A member (not owner) may always leave.
    expect(await add(second, team, owner)).toBe(201);
    expect((await stack.api("DELETE", `/v1/teams/${team}/members/${owner.userId}`, { auth: owner.jwt })).status).toBe(204);
  });

  it("a removed member's token for that team stops working on the next request", async () => {
    const [owner, bob] = [await person("boss"), await person("bob")];
    const team = await newTeam(owner);
    expect(await add(owner, team, bob)).toBe(201);
    const bobInTeam = await stack.api("POST", "/v1/auth/switch-team", { auth: bob.jwt, body: { team_id: team } });
    expect(bobInTeam.status).toBe(200);
    expect((await stack.api("GET", "/v1/me", { auth: bobInTeam.body.token })).status).toBe(200);

    expect((await stack.api("DELETE", `/v1/teams/${team}/members/${bob.userId}`, { auth: owner.jwt })).status).toBe(204);
    const after = await stack.api("GET", "/v1/me", { auth: bobInTeam.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect((await stack.api("GET", "/v1/me", { auth: bob.jwt })).status).toBe(200);
  });

  it("refuses to delete a team with live capsules; once they are gone the team and its keys go", async () => {
    const owner = await person("capsules");
    const team = await newTeam(owner, "Doomed");
    const session = (await stack.api("POST", "/v1/auth/switch-team", { auth: owner.jwt, body: { team_id: team } })).body.token;
    const key = (await stack.api("POST", "/v1/api-keys", { auth: session, body: { name: "doomed" } })).body.key;
    const capsuleId = newId("capsule");
    await stack.cp.deps.db
      .insertInto("capsules")
      .values({ id: capsuleId, team_id: team, host_id: null, template: "minimal", status: "paused", vcpus: 1, memory_mb: 512, error: null, created_by: owner.userId, started_at: new Date(), last_active_at: null, paused_at: new Date(), stopped_at: null })
      .execute();

    const refused = await stack.api("DELETE", `/v1/teams/${team}`, { auth: owner.jwt });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: "conflict", message: expect.stringContaining("capsule") });
    expect((await stack.api("GET", "/v1/api-keys", { auth: key })).status).toBe(200);

    await stack.cp.deps.db.updateTable("capsules").set({ status: "stopped", stopped_at: new Date() }).where("id", "=", capsuleId).execute();
    expect((await stack.api("DELETE", `/v1/teams/${team}`, { auth: owner.jwt })).status).toBe(204);
    expect((await stack.api("GET", `/v1/teams/${team}`, { auth: owner.jwt })).status).toBe(404);
    expect((await stack.api("GET", "/v1/api-keys", { auth: key })).status).toBe(401);
    expect((await stack.api("GET", "/v1/me", { auth: session })).status).toBe(401);
    const teams = (await stack.api("GET", "/v1/teams", { auth: owner.jwt })).body.items.map((t: { id: string }) => t.id);
    expect(teams).toEqual([owner.teamId]);
    const audit = await stack.cp.deps.db.selectFrom("audit_logs").select("action").where("team_id", "=", team).where("action", "=", "team.delete").execute();
    expect(audit).toHaveLength(1);
  });

  it("updates the profile; an address of another account is refused with 409", async () => {
    const [ada, grace] = [await person("profile"), await person("taken")];
    const renamed = await stack.api("PATCH", "/v1/me", { auth: ada.jwt, body: { name: "Ada K." } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: ada.userId, name: "Ada K.", email: ada.email });
    const taken = await stack.api("PATCH", "/v1/me", { auth: ada.jwt, body: { email: grace.email.toUpperCase() } });
    expect(taken.status).toBe(409);
    expect((await stack.api("PATCH", "/v1/me", { auth: ada.jwt, body: { email: "not-an-address" } })).status).toBe(400);
    const fresh = uniqueEmail("moved");
    expect((await stack.api("PATCH", "/v1/me", { auth: ada.jwt, body: { email: fresh } })).body.email).toBe(fresh);
    const me = await stack.api("GET", "/v1/me", { auth: ada.jwt });
    expect(me.body.user).toMatchObject({ name: "Ada K.", email: fresh });
    expect((await stack.api("PATCH", "/v1/me", { body: { name: "key" } })).status).toBe(403);
  });

  it("deletes an account: refused while sole owner of a shared team; then its solo teams and keys go with it", async () => {
    const [leaver, colleague] = [await person("leaver"), await person("colleague")];
    const shared = await newTeam(leaver, "Shared");
    expect(await add(leaver, shared, colleague)).toBe(201);
    const sharedSession = (await stack.api("POST", "/v1/auth/switch-team", { auth: leaver.jwt, body: { team_id: shared } })).body.token;
    const sharedKey = (await stack.api("POST", "/v1/api-keys", { auth: sharedSession, body: { name: "leaver's" } })).body.key;

    const refused = await stack.api("DELETE", "/v1/me", { auth: leaver.jwt });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(shared);
    expect((await stack.api("GET", "/v1/me", { auth: leaver.jwt })).status).toBe(200);

    expect((await stack.api("PATCH", `/v1/teams/${shared}/members/${colleague.userId}`, { auth: leaver.jwt, body: { role: "owner" } })).status).toBe(200);
    expect((await stack.api("DELETE", "/v1/me", { auth: leaver.jwt })).status).toBe(204);

    expect((await stack.api("GET", "/v1/me", { auth: leaver.jwt })).status).toBe(401);
    expect((await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: leaver.email, password: "correct horse battery" } })).status).toBe(401);
    expect((await stack.api("GET", "/v1/api-keys", { auth: leaver.apiKey })).status).toBe(401);
    expect((await stack.api("GET", "/v1/api-keys", { auth: sharedKey })).status).toBe(401);
    const team = await stack.cp.deps.db.selectFrom("teams").select("deleted_at").where("id", "=", leaver.teamId).executeTakeFirstOrThrow();
    expect(team.deleted_at).toBeInstanceOf(Date);
    const members = await stack.api("GET", `/v1/teams/${shared}/members`, { auth: colleague.jwt });
    expect(members.body.items.map((m: { user_id: string }) => m.user_id)).toEqual([colleague.userId]);
    // The address is free again.
    const again = await stack.api("POST", "/v1/auth/signup", { auth: null, body: { email: leaver.email, password: "a long enough passphrase" } });
    expect(again.status).toBe(201);
  });

  it("finds active users by exact address only", async () => {
    const [ada, grace] = [await person("searcher"), await person("grace")];
    const hit = await stack.api("GET", `/v1/users/search?email=${encodeURIComponent(grace.email.toUpperCase())}`, { auth: ada.jwt });
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ items: [{ id: grace.userId, email: grace.email, name: "" }] });
    const partial = await stack.api("GET", `/v1/users/search?email=${encodeURIComponent(grace.email.slice(0, 8))}`, { auth: ada.jwt });
    expect(partial.body).toEqual({ items: [] });
    expect((await stack.api("GET", "/v1/users/search?email=ab", { auth: ada.jwt })).status).toBe(400);
    expect((await stack.api("GET", "/v1/users/search", { auth: ada.jwt })).status).toBe(400);
    expect((await stack.api("GET", `/v1/users/search?email=${encodeURIComponent(grace.email)}`)).status).toBe(403);
  });
});
