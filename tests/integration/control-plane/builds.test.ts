// Recipe builds through the control plane against a real host agent: validation, the
// queue, cancel, failures with their step, team isolation, and one successful build from
// the python template whose capsules answer through the port proxy with the recipe's
// env, workdir and user.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { dbBackends } from "@wrenn/testkit";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";
import { startStack, type Stack } from "./support/stack.js";

function makeArchive(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "wrenn-cp-build-archive-"));
  try {
    mkdirSync(join(dir, "site"));
    writeFileSync(join(dir, "site/index.html"), "hello from the archive\n");
    return execFileSync("tar", ["-czf", "-", "-C", dir, "site"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Collects a logs socket's messages until it closes. */
/** Every message of a logs socket until it closes; listening starts before the upgrade, so none is missed. */
function logs(stack: Stack, path: string, auth?: string): Promise<any[]> {
  const key = auth ?? stack.account.apiKey;
  const socket = new WebSocket(stack.url.replace(/^http/, "ws") + path, { headers: { "x-api-key": key } });
  const messages: any[] = [];
  socket.on("message", (data) => {
    const m = JSON.parse(String(data));
    if (m.type !== "ping") messages.push(m);
  });
  return new Promise((resolve, reject) => {
    socket.once("close", () => resolve(messages));
    socket.once("error", reject);
  });
}

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent("cp-builds", "10.28.0.0/16");
}, 120_000);
afterAll(async () => {
  const left = await agent?.shutdown();
  expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
}, 60_000);

async function waitFor(stack: Stack, id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await stack.api("GET", `/v1/builds/${id}`);
    if (statuses.includes(res.body.status) || Date.now() > deadline) return res.body;
    await sleep(200);
  }
}

describe.each(dbBackends)("builds on %s", (backend) => {
  let stack: Stack;
  let other: Awaited<ReturnType<Stack["newAccount"]>>;
  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    other = await stack.newAccount(`other-${backend}@example.test`);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("refuses bad recipes with the line number, and nothing is queued", async () => {
    const bad = await stack.api("POST", "/v1/builds", { body: { name: "bad", base_template: "minimal", recipe: ["# setup", "RUN echo hi", "FETCH http://x"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("recipe line 3");
    expect(bad.body.error.message).toContain("FETCH");
    const timeout = await stack.api("POST", "/v1/builds", { body: { name: "bad", recipe: ["RUN --timeout=soon echo"] } });
    expect(timeout.status).toBe(400);
    const name = await stack.api("POST", "/v1/builds", { body: { name: "-bad", recipe: ["RUN true"] } });
    expect(name.status).toBe(400);
    const base = await stack.api("POST", "/v1/builds", { body: { name: "ok", base_template: "no-such-base", recipe: ["RUN true"] } });
    expect(base.status).toBe(400);
    expect(base.body.error.message).toContain("no-such-base");
    const copy = await stack.api("POST", "/v1/builds", { body: { name: "ok", recipe: ["COPY a /a"] } });
    expect(copy.status).toBe(400);
    expect(copy.body.error.message).toContain("archive");
    const health = await stack.api("POST", "/v1/builds", { body: { name: "ok", recipe: ["RUN true"], healthcheck: "--bogus=1 true" } });
    expect(health.status).toBe(400);
    expect((await stack.api("GET", "/v1/builds")).body).toEqual([]);
    const admin = await stack.api("POST", "/v1/admin/builds", { body: { name: "ok", recipe: ["RUN true"] } });
    expect(admin.status).toBe(403); // API keys are not admin sessions
  });

  it("cancels pending and running builds; other teams see none of it", async () => {
    const slow = await stack.api("POST", "/v1/builds", { body: { name: "slow", base_template: "minimal", recipe: ["RUN sleep 60"] } });
    expect(slow.status).toBe(202);
    expect(slow.body).toMatchObject({ status: "pending", name: "slow", recipe: ["RUN sleep 60"] });
    const queued = await stack.api("POST", "/v1/builds", { body: { name: "queued", base_template: "minimal", recipe: ["RUN true"] } });
    expect(queued.status).toBe(202);
    await waitFor(stack, slow.body.id, ["running"]);

    for (const path of [`/v1/builds/${queued.body.id}`, `/v1/builds/${queued.body.id}/cancel`]) {
      const res = await stack.api(path.endsWith("cancel") ? "POST" : "GET", path, { auth: other.apiKey });
      expect(res.status).toBe(404);
    }
    expect((await stack.api("GET", "/v1/builds", { auth: other.apiKey })).body).toEqual([]);
    const foreignMessages = await logs(stack, `/v1/builds/${queued.body.id}/logs`, other.apiKey);
    expect(foreignMessages[0]).toMatchObject({ type: "error", code: "not_found" });

    const cancelQueued = await stack.api("POST", `/v1/builds/${queued.body.id}/cancel`);
    expect(cancelQueued.status).toBe(200);
    expect(cancelQueued.body.status).toBe("cancelled");
    expect((await stack.api("POST", `/v1/builds/${queued.body.id}/cancel`)).status).toBe(409);

    const messages = logs(stack, `/v1/builds/${slow.body.id}/logs`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelRunning = await stack.api("POST", `/v1/builds/${slow.body.id}/cancel`);
    expect(cancelRunning.body.status).toBe("cancelled");
    expect((await messages).at(-1)).toMatchObject({ type: "finished", status: "cancelled" });
    const list = await stack.api("GET", "/v1/builds");
    expect(list.body.map((b: any) => b.id)).toEqual([queued.body.id, slow.body.id]);
    const audit = await stack.api("GET", "/v1/audit-logs?action=build.cancel");
    if (audit.status === 200) expect(JSON.stringify(audit.body)).toContain(slow.body.id);
  }, 90_000);

  it("reports a failing RUN with its step, command and output", async () => {
    const res = await stack.api("POST", "/v1/builds", {
      body: { name: "broken", base_template: "minimal", recipe: ["ENV A=1", "RUN echo about-to-fail-$A && echo oops >&2 && exit 3"] },
    });
    expect(res.status).toBe(202);
    const done = await waitFor(stack, res.body.id, ["failed", "success", "cancelled"], 90_000);
    expect(done.status).toBe("failed");
    expect(done.current_step).toBe(2);
    expect(done.error).toMatch(/step 2/);
    expect(done.error).toContain("exit 3");
    expect(done.error).toContain("oops");
    expect(done.logs).toContain("about-to-fail-1");
    const templates = await stack.api("GET", "/v1/snapshots");
    expect(JSON.stringify(templates.body)).not.toContain('"broken"');
  }, 120_000);
});

describe("a successful build (pglite)", () => {
  let stack: Stack;
  const capsules: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
  }, 60_000);
  afterAll(async () => {
    for (const id of capsules) await stack.api("DELETE", `/v1/capsules/${id}`).catch(() => {});
    await stack?.close();
  });

  it("builds from an archive, streams logs, and capsules from it serve on the port as the recipe's user", async () => {
    const form = new FormData();
    form.set("name", "web-env");
    form.set("base_template", "python");
    form.set(
      "recipe",
      JSON.stringify(["# a tiny site", "COPY site /srv/site", "RUN --timeout=1m echo built-marker", "ENV GREETING=hello", "ENV DERIVED=${GREETING}-world", "USER app", "WORKDIR /srv/site", "START python3 -m http.server 8000"]),
    );
    form.set("healthcheck", `--interval=1s --retries=30 python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000')"`);
    form.set("archive", new Blob([makeArchive()]), "ctx.tar.gz");
    const created = await fetch(`${stack.url}/v1/builds`, { method: "POST", headers: { "x-api-key": stack.account.apiKey }, body: form });
    const build = (await created.json()) as any;
    expect(created.status).toBe(202);
    expect(build.healthcheck).toContain("--retries=30");

    const messages = await logs(stack, `/v1/builds/${build.id}/logs`);
    const finished = messages.at(-1);
    expect(finished, JSON.stringify(messages.slice(-5))).toMatchObject({ type: "finished", status: "success", template: "web-env" });
    const steps = messages.filter((m) => m.type === "step").map((m) => m.instruction);
    expect(steps).toEqual(["COPY", "RUN", "ENV", "ENV", "USER", "WORKDIR", "START", "HEALTHCHECK"]);
    expect(messages.filter((m) => m.type === "log").map((m) => m.data).join("")).toContain("built-marker");

    const detail = await stack.api("GET", `/v1/builds/${build.id}`);
    expect(detail.body).toMatchObject({ status: "success", template: "web-env", error: null });
    expect(detail.body.logs).toContain("built-marker");
    // A finished build's socket replays the stored logs and the result.
    const replay = await logs(stack, (`/v1/builds/${build.id}/logs`));
    expect(replay.at(-1)).toMatchObject({ type: "finished", status: "success" });

    const capsule = await stack.api("POST", "/v1/capsules", { body: { template: "web-env" } });
    expect(capsule.status, capsule.text).toBe(201);
    capsules.push(capsule.body.id);
    const page = await fetch(`${stack.url}/v1/capsules/${capsule.body.id}/ports/8000/index.html`, { headers: { "x-api-key": stack.account.apiKey } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("hello from the archive\n");
    const who = await stack.api("POST", `/v1/capsules/${capsule.body.id}/exec`, { body: { cmd: "echo $(whoami) $(pwd) $GREETING $DERIVED" } });
    expect(who.body.stdout.trim()).toBe("app /srv/site hello hello-world");

    const audit = await stack.api("GET", "/v1/audit-logs?action=template.build");
    if (audit.status === 200) expect(JSON.stringify(audit.body)).toContain("web-env");
  }, 240_000);
});
