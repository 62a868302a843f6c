// The team audit log: cursor pagination that neither skips nor repeats, filters, limits,
// who may read it, and team scoping.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dbBackends } from "@wrenn/testkit";
import { startStack, type Stack } from "./support/stack.js";

interface Entry {
  id: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
}

describe.each(dbBackends)("audit log on %s", (backend) => {
  let stack: Stack;
  const created: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl") });
    // 7 creates and 2 revokes: nine api_key rows, newest last.
    for (let i = 0; i < 7; i++) created.push((await stack.api("POST", "/v1/api-keys", { body: { name: `k${i}` } })).body.id);
    for (const id of created.slice(0, 2)) expect((await stack.api("DELETE", `/v1/api-keys/${id}`)).status).toBe(204);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function allPages(query: string, limit: number): Promise<{ pages: Entry[][]; cursors: (string | null)[] }> {
    const pages: Entry[][] = [];
    const cursors: (string | null)[] = [];
    let before: string | null = null;
    do {
      const res: { status: number; body: { items: Entry[]; next_cursor: string | null } } = await stack.api("GET", `/v1/audit-logs?limit=${limit}${query}${before ? `&before=${encodeURIComponent(before)}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items);
      before = res.body.next_cursor;
      cursors.push(before);
    } while (before !== null && pages.length < 50);
    return { pages, cursors };
  }

  it("pages newest first with an opaque cursor, without gaps or repeats", async () => {
    const { pages, cursors } = await allPages("&resource_type=api_key", 4);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
    expect(cursors.at(-1)).toBeNull();
    expect(typeof cursors[0]).toBe("string");
    const entries = pages.flat();
    expect(new Set(entries.map((e) => e.id)).size).toBe(9);
    const expected = [...created.slice(0, 2).reverse().map((id) => ["api_key.revoke", id]), ...[...created].reverse().map((id) => ["api_key.create", id])];
    expect(entries.map((e) => [e.action, e.resource_id])).toEqual(expected);
    expect(entries[0]).toMatchObject({ id: expect.stringMatching(/^log-[0-9a-z]{25}$/), actor_type: "api_key", actor_id: stack.account.apiKeyId, created_at: expect.any(String) });

    // An exact multiple of the page size ends with an empty-cursor page, not an empty page.
    const exact = await allPages("&action=api_key.create", 7);
    expect(exact.pages.map((p) => p.length)).toEqual([7]);
    expect(exact.cursors).toEqual([null]);
  });

  it("filters by action and resource type, and defaults to 50 items", async () => {
    const revokes = await stack.api("GET", "/v1/audit-logs?action=api_key.revoke");
    expect(revokes.body.items.map((e: Entry) => e.resource_id)).toEqual(created.slice(0, 2).reverse());
    const none = await stack.api("GET", "/v1/audit-logs?resource_type=capsule");
    expect(none.body).toEqual({ items: [], next_cursor: null });
    for (let i = 0; i < 45; i++) await stack.api("POST", "/v1/api-keys", { body: { name: `bulk${i}` } });
    const page = await stack.api("GET", "/v1/audit-logs");
    expect(page.body.items).toHaveLength(50);
    expect(page.body.next_cursor).not.toBeNull();
  });

  it("rejects bad limits and cursors with 400", async () => {
    for (const q of ["limit=0", "limit=201", "limit=abc", "limit=1.5", "before=abc", "before=-1", "before=0", `before=${"9".repeat(40)}`]) {
      const res = await stack.api("GET", `/v1/audit-logs?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe("invalid_request");
    }
    expect((await stack.api("GET", "/v1/audit-logs?limit=200")).status).toBe(200);
  });

  it("is team-scoped, and readable by owners, admins and API keys but not members", async () => {
    const other = await stack.newAccount(`audit-other-${Date.now()}@example.test`);
    const theirs = await stack.api("GET", "/v1/audit-logs", { auth: other.apiKey });
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);

    const ownerJwt = (await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: other.email, password: other.password } })).body.token;
    expect((await stack.api("GET", "/v1/audit-logs", { auth: ownerJwt })).status).toBe(200);
    expect((await stack.api("POST", `/v1/teams/${other.teamId}/members`, { auth: ownerJwt, body: { email: stack.account.email } })).status).toBe(201);
    const mine = (await stack.api("POST", "/v1/auth/login", { auth: null, body: { email: stack.account.email, password: stack.account.password } })).body.token;
    const asMember = (await stack.api("POST", "/v1/auth/switch-team", { auth: mine, body: { team_id: other.teamId } })).body.token;
    const denied = await stack.api("GET", "/v1/audit-logs", { auth: asMember });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    expect((await stack.api("GET", "/v1/audit-logs", { auth: null })).status).toBe(401);
  });
});
