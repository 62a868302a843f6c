// The capsule REST API against a real host agent (real gVisor capsules), on both database
// back ends: lifecycle, validation, team isolation, metrics, stats, the reconciler and snapshots.
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "@wrenn/core";
import { dbBackends } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTeamSampler, rollupUsage, utcDay } from "../../../packages/control-plane/src/services/capsule-usage.js";
import { expectNoLeftovers, startTestAgent, type TestAgent } from "./support/agent.js";
import { startStack, type Stack } from "./support/stack.js";

let agent: TestAgent;
/** Every capsule this file created, to check that none left anything on the host. */
const everCreated = new Set<string>();

beforeAll(async () => {
  agent = await startTestAgent("cp-capsules", "10.21.0.0/16");
}, 300_000);

afterAll(async () => {
  expectNoLeftovers(await agent?.shutdown(), everCreated);
}, 120_000);

describe.each(dbBackends)("capsule REST API on %s", (backend) => {
  let stack: Stack;
  let other: Awaited<ReturnType<Stack["newAccount"]>>;
  const created = new Set<string>();

  const create = async (body: Record<string, unknown> = {}): Promise<any> => {
    const res = await stack.api("POST", "/v1/capsules", { body });
    expect(res.status, res.text).toBe(201);
    created.add(res.body.id);
    everCreated.add(res.body.id);
    // Each step's share of the request, for clients and benchmarks to tell the agent's apart.
    const timing = Object.fromEntries(
      (res.headers.get("server-timing") ?? "").split(", ").map((m: string) => [m.split(";")[0], Number(/;dur=([\d.]+)/.exec(m)?.[1])]),
    );
    expect(Object.keys(timing)).toEqual(["accept", "lookup", "place", "agent", "agent_handler", "record", "total"]);
    expect(timing.agent).toBeGreaterThan(0);
    // The agent's own handling (its Server-Timing) lies within the call.
    expect(timing.agent_handler).toBeGreaterThan(0);
    expect(timing.agent_handler).toBeLessThanOrEqual(timing.agent + 0.05);
    const steps = timing.accept + timing.lookup + timing.place + timing.agent + timing.record;
    expect(steps).toBeLessThanOrEqual(timing.total + 0.05);
    return res.body;
  };
  const exec = (id: string, cmd: string) => stack.api("POST", `/v1/capsules/${id}/exec`, { body: { cmd } });
  const countRows = async (): Promise<number> => Number((await stack.cp.deps.db.selectFrom("capsules").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n);
  const auditActions = async (resourceId: string): Promise<string[]> =>
    (await stack.cp.deps.db.selectFrom("audit_logs").select("action").where("resource_id", "=", resourceId).orderBy("seq").execute()).map((r) => r.action);

  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url, reconcileIntervalSec: 3600 });
    other = await stack.newAccount(`other-${backend}-${Date.now()}@example.test`);
  });

  afterAll(async () => {
    await Promise.allSettled([...created].map((id) => stack.api("DELETE", `/v1/capsules/${id}`)));
    await Promise.allSettled([...created].map((capsuleId) => agent.client.destroyCapsule({ capsuleId })));
    await stack?.close();
  }, 120_000);

  describe("one capsule through its life", () => {
    let capsule: any;

    beforeAll(async () => {
      capsule = await create({ metadata: { owner: "lifecycle", backend }, envs: { GREETING: "hi" }, timeout_sec: 600 });
    }, 120_000);

    it("creates a running capsule with the documented JSON", async () => {
      expect(capsule).toMatchObject({
        status: "running",
        template: "minimal",
        vcpus: 1,
        memory_mb: 512,
        timeout_sec: 600,
        host_id: stack.cp.staticHostId!,
        metadata: { owner: "lifecycle", backend },
      });
      expect(capsule.id).toMatch(/^cl-[0-9a-z]{25}$/);
      expect(capsule.envd_version).not.toBe("");
      for (const field of ["created_at", "started_at", "last_active_at"]) expect(new Date(capsule[field]).toISOString()).toBe(capsule[field]);
      const { capsules } = await agent.client.listCapsules({});
      expect(capsules.map((c) => c.capsuleId)).toContain(capsule.id);
      expect(await auditActions(capsule.id)).toContain("capsule.create");
      const env = await exec(capsule.id, "echo $GREETING");
      expect(env.body.stdout).toBe("hi\n");
    });

    it("gets and lists it, with status and metadata filters", async () => {
      expect((await stack.api("GET", `/v1/capsules/${capsule.id}`)).body).toMatchObject({ id: capsule.id, status: "running" });
      const all = await stack.api("GET", "/v1/capsules");
      expect(all.status).toBe(200);
      expect(all.body.map((c: any) => c.id)).toContain(capsule.id);
      const byMeta = await stack.api("GET", `/v1/capsules?metadata=owner:lifecycle&metadata=backend:${backend}`);
      expect(byMeta.body.map((c: any) => c.id)).toEqual([capsule.id]);
      expect((await stack.api("GET", "/v1/capsules?metadata=owner:nobody")).body).toEqual([]);
      expect((await stack.api("GET", "/v1/capsules?status=paused")).body.map((c: any) => c.id)).not.toContain(capsule.id);
      expect((await stack.api("GET", "/v1/capsules?status=running")).body.map((c: any) => c.id)).toContain(capsule.id);
      expect((await stack.api("GET", "/v1/capsules?metadata=nocolon")).status).toBe(400);
      expect((await stack.api("GET", "/v1/capsules?status=exploded")).status).toBe(400);
    });

    it("pings and changes the idle timeout", async () => {
      const ping = await stack.api("POST", `/v1/capsules/${capsule.id}/ping`);
      expect(ping.status).toBe(200);
      expect(Date.parse(ping.body.last_active_at)).toBeGreaterThanOrEqual(Date.parse(capsule.last_active_at));
      const timeout = await stack.api("POST", `/v1/capsules/${capsule.id}/timeout`, { body: { timeout_sec: 900 } });
      expect(timeout.status).toBe(200);
      expect(timeout.body.timeout_sec).toBe(900);
      const { capsules } = await agent.client.listCapsules({});
      expect(capsules.find((c) => c.capsuleId === capsule.id)?.timeoutSec).toBe(900);
      expect((await stack.api("POST", `/v1/capsules/${capsule.id}/timeout`, { body: { timeout_sec: 86_401 } })).status).toBe(400);
      expect(await auditActions(capsule.id)).toEqual(expect.arrayContaining(["capsule.ping", "capsule.timeout"]));
    });

    it("answers metrics of a running capsule from its agent", async () => {
      await sleep(2500);
      const res = await stack.api("GET", `/v1/capsules/${capsule.id}/metrics?range=5m`);
      expect(res.status).toBe(200);
      expect(res.body.range).toBe("5m");
      expect(res.body.points.length).toBeGreaterThan(0);
      const point = res.body.points.at(-1);
      expect(point.mem_bytes).toBeGreaterThan(0);
      expect(point.cpu_pct).toBeGreaterThanOrEqual(0);
      expect((await stack.api("GET", `/v1/capsules/${capsule.id}/metrics?range=1h`)).status).toBe(200);
      expect((await stack.api("GET", `/v1/capsules/${capsule.id}/metrics?range=3d`)).status).toBe(400);
    });

    it("pauses, refuses what a paused capsule cannot do with 409, keeps its metrics, resumes", async () => {
      await exec(capsule.id, "echo kept > /home/user/marker");
      const paused = await stack.api("POST", `/v1/capsules/${capsule.id}/pause`);
      expect(paused.status, paused.text).toBe(200);
      expect(paused.body.status).toBe("paused");

      const again = await stack.api("POST", `/v1/capsules/${capsule.id}/pause`);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: "invalid_state" });
      expect(again.body.error.message).toContain("already paused");
      const run = await exec(capsule.id, "true");
      expect(run.status).toBe(409);
      expect(run.body.error.message).toMatch(/resume/);
      expect((await stack.api("POST", `/v1/capsules/${capsule.id}/ping`)).status).toBe(409);
      expect((await stack.api("POST", `/v1/capsules/${capsule.id}/files/list`, { body: { path: "/" } })).status).toBe(409);

      const stored = await stack.cp.deps.db.selectFrom("capsule_metric_points").select("ts").where("capsule_id", "=", capsule.id).execute();
      expect(stored.length).toBeGreaterThan(0);
      const metrics = await stack.api("GET", `/v1/capsules/${capsule.id}/metrics?range=10m`);
      expect(metrics.body.points.length).toBeGreaterThan(0);

      const resumed = await stack.api("POST", `/v1/capsules/${capsule.id}/resume`, { body: { timeout_sec: 1200 } });
      expect(resumed.status, resumed.text).toBe(200);
      expect(resumed.body).toMatchObject({ status: "running", timeout_sec: 1200 });
      expect((await stack.api("POST", `/v1/capsules/${capsule.id}/resume`)).status).toBe(409);
      expect((await exec(capsule.id, "cat /home/user/marker")).body.stdout).toBe("kept\n");
      expect(await auditActions(capsule.id)).toEqual(expect.arrayContaining(["capsule.pause", "capsule.resume"]));
    }, 60_000);

    it("hides it from another team: 404 on every capsule route, absent from its list", async () => {
      const id = capsule.id;
      const routes: [string, string, unknown?][] = [
        ["GET", `/v1/capsules/${id}`],
        ["POST", `/v1/capsules/${id}/pause`],
        ["POST", `/v1/capsules/${id}/resume`, {}],
        ["POST", `/v1/capsules/${id}/ping`],
        ["POST", `/v1/capsules/${id}/timeout`, { timeout_sec: 5 }],
        ["GET", `/v1/capsules/${id}/metrics`],
        ["POST", `/v1/capsules/${id}/exec`, { cmd: "true" }],
        ["GET", `/v1/capsules/${id}/processes`],
        ["DELETE", `/v1/capsules/${id}/processes/1`],
        ["POST", `/v1/capsules/${id}/processes/1/stdin`, { data: "x" }],
        ["POST", `/v1/capsules/${id}/files/read`, { path: "/etc/hostname" }],
        ["POST", `/v1/capsules/${id}/files/stream/read`, { path: "/etc/hostname" }],
        ["POST", `/v1/capsules/${id}/files/list`, { path: "/" }],
        ["POST", `/v1/capsules/${id}/files/stat`, { path: "/" }],
        ["POST", `/v1/capsules/${id}/files/mkdir`, { path: "/tmp/x" }],
        ["POST", `/v1/capsules/${id}/files/move`, { source: "/tmp/a", destination: "/tmp/b" }],
        ["POST", `/v1/capsules/${id}/files/remove`, { path: "/tmp/x" }],
        ["POST", "/v1/snapshots", { capsule_id: id }],
        ["DELETE", `/v1/capsules/${id}`],
      ];
      for (const [method, path, body] of routes) {
        const res = await stack.api(method, path, { auth: other.apiKey, ...(body !== undefined ? { body } : {}) });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
      for (const path of ["files/write", "files/stream/write"]) {
        const form = new FormData();
        form.append("path", "/tmp/x");
        form.append("file", new Blob(["nope"]));
        const res = await fetch(`${stack.url}/v1/capsules/${id}/${path}`, { method: "POST", headers: { "x-api-key": other.apiKey }, body: form });
        expect(res.status, path).toBe(404);
      }
      expect((await stack.api("GET", "/v1/capsules", { auth: other.apiKey })).body).toEqual([]);
      expect((await stack.api("GET", `/v1/capsules/${id}`)).body.status).toBe("running");
      expect((await exec(id, "test -e /tmp/x && echo yes || echo no")).body.stdout).toBe("no\n");
    });

    it("destroys it: 204, gone from agent and API, metrics kept", async () => {
      const res = await stack.api("DELETE", `/v1/capsules/${capsule.id}`);
      expect(res.status).toBe(204);
      const { capsules } = await agent.client.listCapsules({});
      expect(capsules.map((c) => c.capsuleId)).not.toContain(capsule.id);
      expect((await stack.api("GET", `/v1/capsules/${capsule.id}`)).status).toBe(404);
      expect((await stack.api("DELETE", `/v1/capsules/${capsule.id}`)).status).toBe(404);
      expect((await stack.api("GET", "/v1/capsules")).body.map((c: any) => c.id)).not.toContain(capsule.id);
      const metrics = await stack.api("GET", `/v1/capsules/${capsule.id}/metrics?range=10m`);
      expect(metrics.status).toBe(200);
      expect(metrics.body.points.length).toBeGreaterThan(0);
      const row = await stack.cp.deps.db.selectFrom("capsules").selectAll().where("id", "=", capsule.id).executeTakeFirstOrThrow();
      expect(row.status).toBe("stopped");
      expect(row.stopped_at).toBeInstanceOf(Date);
      expect(await auditActions(capsule.id)).toContain("capsule.destroy");
      created.delete(capsule.id);
    });
  });

  it("refuses bad input with 400 (or 404 for an unknown template) and changes nothing", async () => {
    const before = await countRows();
    const bad: [string, string, unknown][] = [
      ["POST", "/v1/capsules", "{not json"],
      ["POST", "/v1/capsules", { vcpus: "two" }],
      ["POST", "/v1/capsules", { memory_mb: 64 }],
      ["POST", "/v1/capsules", { memory_mb: 16_385 }],
      ["POST", "/v1/capsules", { vcpus: 0 }],
      ["POST", "/v1/capsules", { timeout_sec: -1 }],
      ["POST", "/v1/capsules", { template: "../etc" }],
      ["POST", "/v1/capsules", { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }],
      ["POST", "/v1/capsules", { network: { egress: "sometimes" } }],
      ["POST", "/v1/capsules", { network: { egress: "allow_list", allow_cidrs: ["10.0.0.0/99"] } }],
      ["POST", "/v1/capsules", { envs: { "1BAD": "x" } }],
      ["POST", "/v1/capsules", { memoryMb: 512 }],
      ["GET", "/v1/capsules/not-an-id", undefined],
      ["GET", "/v1/capsules/CL-ABC", undefined],
      ["DELETE", "/v1/capsules/cl-short", undefined],
      ["POST", `/v1/capsules/${newId("capsule")}/timeout`, { timeout_sec: "soon" }],
      ["GET", "/v1/capsules/stats?range=1y", undefined],
      ["GET", "/v1/capsules/usage?from=2025-13-01", undefined],
      ["GET", "/v1/capsules/usage?from=2025-02-01&to=2025-01-01", undefined],
    ];
    for (const [method, path, body] of bad) {
      const res = await stack.api(method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const unknown = await stack.api("POST", "/v1/capsules", { body: { template: "no-such-template" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/available templates: .*minimal/);
    expect(await countRows()).toBe(before);
    expect((await stack.api("GET", `/v1/capsules/${newId("capsule")}`)).status).toBe(404);
    expect((await stack.api("GET", "/v1/capsules", { auth: null })).status).toBe(401);
  });

  it("records a create the agent refuses as error, with nothing left on the host", async () => {
    if (cpus().length >= 8) return; // the API allows up to 8 vCPUs; this host would accept them
    const res = await stack.api("POST", "/v1/capsules", { body: { vcpus: cpus().length + 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/vcpus/);
    const rows = await stack.api("GET", "/v1/capsules?status=error");
    expect(rows.body).toHaveLength(1);
    const failed = rows.body[0];
    expect(failed.error).toMatch(/vcpus/);
    const { capsules } = await agent.client.listCapsules({});
    expect(capsules.map((c) => c.capsuleId)).not.toContain(failed.id);
    expect(await auditActions(failed.id)).toEqual(["capsule.create_failed"]);
    expect((await stack.api("DELETE", `/v1/capsules/${failed.id}`)).status).toBe(204);
  });

  // Built-in names resolve from the control plane's cached list without reading the
  // templates table, except names that some row also carries (rows made before the image
  // existed: new ones cannot take a built-in name). Such a row still wins for its team.
  it("a team's own template named like a built-in still wins for that team, and only for it", async () => {
    const legacy = await stack.newAccount(`legacy-${Date.now()}@example.test`);
    const asLegacy = { auth: legacy.apiKey, body: { template: "minimal" } };
    const db = stack.cp.deps.db;
    await db.insertInto("templates").values({ id: newId("template"), name: "minimal", team_id: legacy.teamId, kind: "snapshot", agent_name: "snap-gone-long-ago", base_template: "minimal" }).execute();
    // An unknown name makes the control plane read the built-ins afresh (and which rows shadow them).
    expect((await stack.api("POST", "/v1/capsules", { body: { template: "no-such-template" } })).status).toBe(404);
    const shadowed = await stack.api("POST", "/v1/capsules", asLegacy);
    expect(shadowed.status).toBe(404);
    expect(shadowed.body.error.message).toMatch(/template "minimal" not found/);
    const builtin = await stack.api("POST", "/v1/capsules", { body: { template: "minimal" } });
    expect(builtin.status).toBe(201);
    expect((await stack.api("DELETE", `/v1/capsules/${builtin.body.id}`)).status).toBe(204);

    await db.deleteFrom("templates").where("team_id", "=", legacy.teamId).execute();
    expect((await stack.api("POST", "/v1/capsules", { body: { template: "no-such-template" } })).status).toBe(404);
    const now = await stack.api("POST", "/v1/capsules", asLegacy);
    expect(now.status).toBe(201);
    expect((await stack.api("DELETE", `/v1/capsules/${now.body.id}`, { auth: legacy.apiKey })).status).toBe(204);
  });

  it("reconciles drift: destroyed, paused and auto-paused behind its back", async () => {
    const [gone, paused, idle] = await Promise.all([create(), create(), create({ timeout_sec: 2 })]);
    await agent.client.destroyCapsule({ capsuleId: gone.id });
    await agent.client.pauseCapsule({ capsuleId: paused.id });
    const deadline = Date.now() + 30_000;
    let idleStatus = "running";
    while (idleStatus !== "paused" && Date.now() < deadline) {
      await sleep(500);
      await stack.cp.reconciler.runOnce();
      idleStatus = (await stack.api("GET", `/v1/capsules/${idle.id}`)).body.status;
    }
    expect(idleStatus).toBe("paused");
    expect((await stack.api("GET", `/v1/capsules/${gone.id}`)).status).toBe(404);
    const goneRow = await stack.cp.deps.db.selectFrom("capsules").selectAll().where("id", "=", gone.id).executeTakeFirstOrThrow();
    expect(goneRow).toMatchObject({ status: "stopped", error: "capsule disappeared from its host" });
    expect((await stack.api("GET", `/v1/capsules/${paused.id}`)).body.status).toBe("paused");
    expect(await auditActions(idle.id)).toContain("capsule.auto_pause");
    expect(await auditActions(gone.id)).toContain("capsule.lost");

    // And back: resumed behind its back, the row follows.
    await agent.client.resumeCapsule({ capsuleId: paused.id });
    await stack.cp.reconciler.runOnce();
    expect((await stack.api("GET", `/v1/capsules/${paused.id}`)).body.status).toBe("running");
    for (const c of [paused, idle]) expect((await stack.api("DELETE", `/v1/capsules/${c.id}`)).status).toBe(204);
    created.delete(gone.id);
  }, 90_000);

  it("reports team stats from samples and rolls daily usage", async () => {
    const c = await create({ vcpus: 1, memory_mb: 256 });
    const sampler = startTeamSampler(stack.cp.deps, { intervalMs: 3_600_000 });
    try {
      await sampler.runOnce();
      const stats = await stack.api("GET", "/v1/capsules/stats?range=5m");
      expect(stats.status).toBe(200);
      expect(stats.body.current).toEqual({ running: 1, vcpus: 1, memory_mb: 256 });
      expect(stats.body.points.some((p: any) => p.running === 1 && p.memory_mb === 256)).toBe(true);
      expect((await stack.api("GET", "/v1/capsules/stats?range=30d")).body.points.length).toBeGreaterThan(100);
      const isolated = await stack.api("GET", "/v1/capsules/stats?range=5m", { auth: other.apiKey });
      expect(isolated.body.current).toEqual({ running: 0, vcpus: 0, memory_mb: 0 });

      await rollupUsage(stack.cp.deps, utcDay(Date.now()));
      const usage = await stack.api("GET", "/v1/capsules/usage");
      expect(usage.status).toBe(200);
      const today = usage.body.days.find((d: any) => d.day === utcDay(Date.now()));
      // One 10 s sample of 1 vCPU / 256 MB: 1/6 vCPU-minute, 256/6 MB-minutes.
      expect(today.cpu_minutes).toBeCloseTo(1 / 6, 5);
      expect(today.ram_mb_minutes).toBeCloseTo(256 / 6, 5);
      expect((await stack.api("GET", "/v1/capsules/usage", { auth: other.apiKey })).body.days).toEqual([]);
    } finally {
      await sampler.stop();
    }
    expect((await stack.api("DELETE", `/v1/capsules/${c.id}`)).status).toBe(204);
  }, 60_000);

  it("snapshots a capsule, restores it, and keeps snapshots per team", async () => {
    const source = await create({ memory_mb: 256 });
    await exec(source.id, "echo from-snapshot > /home/user/state");
    const snap = await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id, name: "my-env" } });
    expect(snap.status, snap.text).toBe(201);
    expect(snap.body).toMatchObject({ name: "my-env", type: "snapshot", base_template: "minimal", vcpus: 1, memory_mb: 256 });
    expect((await stack.api("GET", `/v1/capsules/${source.id}`)).body.status).toBe("running");
    expect((await exec(source.id, "echo still-running")).body.stdout).toBe("still-running\n");

    const list = await stack.api("GET", "/v1/snapshots");
    expect(list.body.map((t: any) => `${t.type}:${t.name}`)).toEqual(expect.arrayContaining(["base:minimal", "snapshot:my-env"]));
    expect((await stack.api("GET", "/v1/snapshots?type=snapshot")).body.map((t: any) => t.name)).toEqual(["my-env"]);
    expect((await stack.api("GET", "/v1/snapshots?type=base")).body.every((t: any) => t.type === "base")).toBe(true);
    expect((await stack.api("GET", "/v1/snapshots?type=snapshot", { auth: other.apiKey })).body).toEqual([]);

    const conflict = await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id, name: "my-env" } });
    expect(conflict.status).toBe(409);
    expect((await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id, name: "minimal" } })).status).toBe(409);
    expect((await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id, name: "bad name!" } })).status).toBe(400);

    const restored = await create({ template: "my-env" });
    expect(restored).toMatchObject({ template: "my-env", memory_mb: 256, status: "running" });
    expect((await exec(restored.id, "cat /home/user/state")).body.stdout).toBe("from-snapshot\n");
    // Another team cannot use it, by name or by the host's name for it.
    const agentName = (await stack.cp.deps.db.selectFrom("templates").select("agent_name").where("name", "=", "my-env").executeTakeFirstOrThrow()).agent_name;
    for (const template of ["my-env", agentName]) {
      const res = await stack.api("POST", "/v1/capsules", { auth: other.apiKey, body: { template } });
      expect(res.status, template).toBe(404);
    }
    expect((await stack.api("DELETE", "/v1/snapshots/my-env", { auth: other.apiKey })).status).toBe(404);

    const replaced = await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id, name: "my-env", overwrite: true } });
    expect(replaced.status, replaced.text).toBe(201);
    const { templates } = await agent.client.listTemplates({});
    expect(templates.map((t) => t.name)).not.toContain(agentName);
    const unnamed = await stack.api("POST", "/v1/snapshots", { body: { capsule_id: source.id } });
    expect(unnamed.status).toBe(201);
    expect(unnamed.body.name).toMatch(new RegExp(`^${source.id}-\\d{8}t\\d{6}z$`));

    expect((await stack.api("DELETE", "/v1/snapshots/minimal")).status).toBe(403);
    for (const name of ["my-env", unnamed.body.name]) expect((await stack.api("DELETE", `/v1/snapshots/${name}`)).status).toBe(204);
    expect((await stack.api("DELETE", "/v1/snapshots/my-env")).status).toBe(404);
    expect((await stack.api("GET", "/v1/snapshots?type=snapshot")).body).toEqual([]);
    const { templates: after } = await agent.client.listTemplates({});
    expect(after.filter((t) => t.name.startsWith("tpl-"))).toEqual([]);
    for (const c of [source, restored]) expect((await stack.api("DELETE", `/v1/capsules/${c.id}`)).status).toBe(204);
  }, 120_000);
});
