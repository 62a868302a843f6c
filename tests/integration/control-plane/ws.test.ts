// The WebSocket routes (exec stream, process reattach, PTY, file watch) against real
// capsules: auth by header or first message, team isolation and in-band errors on both
// database back ends; the sessions themselves (stdin, stop, reattach, terminals that
// outlive their socket, watches, keepalives, frame limits) once, on PGlite.
import { newId } from "@wrenn/core";
import { signUserToken } from "@wrenn/control-plane";
import { insertCapsule } from "@wrenn/db";
import { dbBackends } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";
import { createAgentCapsule, registerCapsule, setCapsuleStatus } from "./support/capsule.js";
import { startStack, type Stack } from "./support/stack.js";
import { WsClient } from "./support/ws-client.js";

// Read when the routes are registered: a short keepalive so a test can see one.
process.env.WRENN_WS_PING_INTERVAL_MS = "1000";

let agent: TestAgent;
/** One capsule for the whole file, registered in every stack's database. */
let capsule: string;

beforeAll(async () => {
  agent = await startTestAgent("cp-ws", "10.24.0.0/16");
  capsule = await createAgentCapsule(agent);
}, 300_000);

afterAll(async () => {
  if (capsule) await agent.client.destroyCapsule({ capsuleId: capsule }).catch(() => {});
  const left = await agent?.shutdown();
  if (left) expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
}, 120_000);

const wsUrl = (stack: Stack, path: string): string => stack.url.replace(/^http/, "ws") + path;

/** Every WebSocket route of a capsule. */
const socketRoutes = (id: string): string[] => [
  `/v1/capsules/${id}/exec/stream`,
  `/v1/capsules/${id}/processes/web/stream`,
  `/v1/capsules/${id}/files/watch?path=/tmp`,
  `/v1/capsules/${id}/pty`,
];

describe.each(dbBackends)("WebSocket auth and isolation on %s", (backend) => {
  let stack: Stack;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    await registerCapsule(stack, capsule);
    otherKey = (await stack.newAccount(`other-${backend}@example.test`)).apiKey;
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("streams a command with header auth: start, stdout, stderr, exit code, normal close", async () => {
    const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), stack.account.apiKey);
    ws.send({ type: "start", cmd: "/bin/bash", args: ["-c", "echo out; echo err >&2; exit 3"] });
    expect((await ws.next("start")).pid).toBeGreaterThan(0);
    expect(await ws.next("exit")).toEqual({ type: "exit", exit_code: 3 });
    expect((await ws.closed()).code).toBe(1000);
    expect(ws.bytesOf("stdout").toString()).toBe("out\n");
    expect(ws.bytesOf("stderr").toString()).toBe("err\n");
  });

  it("authenticates a browser by its first message (API key or JWT) and refuses a bad token with 4401", async () => {
    const { token } = await signUserToken(stack.cp.deps.config.jwtSecret, { userId: stack.account.userId, teamId: stack.account.teamId });
    for (const credential of [stack.account.apiKey, token]) {
      const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), null);
      ws.send({ type: "auth", token: credential });
      ws.send({ type: "start", cmd: "echo", args: ["browser"] });
      expect(await ws.output(/browser\n/, ["stdout"])).toBe("browser\n");
      expect((await ws.next("exit")).exit_code).toBe(0);
    }
    for (const bad of [`wrn_${"0".repeat(32)}`, "not-a-jwt", `wrn_short`]) {
      const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), null);
      ws.send({ type: "auth", token: bad });
      expect(await ws.next("error")).toMatchObject({ code: "unauthorized" });
      expect((await ws.closed()).code).toBe(4401);
    }
    // A bad header is refused the same way, in-band.
    const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/pty`), `wrn_${"1".repeat(32)}`);
    expect(await ws.next("error")).toMatchObject({ code: "unauthorized" });
    expect((await ws.closed()).code).toBe(4401);
  });

  it("closes with 4401 when the first message is not auth, or nothing arrives within 5 s", async () => {
    const wrong = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/pty`), null);
    wrong.send({ type: "start" });
    expect(await wrong.next("error")).toMatchObject({ code: "unauthorized", message: expect.stringContaining('{"type":"auth"') });
    expect((await wrong.closed()).code).toBe(4401);

    const began = Date.now();
    const silent = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), null);
    expect((await silent.closed(10_000)).code).toBe(4401);
    expect(Date.now() - began).toBeGreaterThanOrEqual(4_500);
  });

  it("answers not_found (4404) on every WebSocket route for another team's key, an unknown and a stopped capsule", async () => {
    const stopped = newId("capsule");
    await insertCapsule(stack.cp.deps.db, {
      id: stopped,
      team_id: stack.account.teamId,
      host_id: stack.cp.staticHostId!,
      template: "minimal",
      status: "stopped",
      vcpus: 1,
      memory_mb: 512,
    });
    const cases: [string, string][] = [
      [capsule, otherKey],
      [newId("capsule"), stack.account.apiKey],
      [stopped, stack.account.apiKey],
    ];
    for (const [id, key] of cases) {
      for (const path of socketRoutes(id)) {
        const ws = await WsClient.open(wsUrl(stack, path), key);
        expect(await ws.next("error"), path).toEqual({ type: "error", code: "not_found", message: `capsule ${id} not found` });
        expect((await ws.closed()).code, path).toBe(4404);
      }
    }
    // By first message too: the other team's key still finds nothing.
    const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/pty`), null);
    ws.send({ type: "auth", token: otherKey });
    expect(await ws.next("error")).toMatchObject({ code: "not_found" });
    expect((await ws.closed()).code).toBe(4404);
  });

  it("answers invalid_state (4409) while the capsule is paused", async () => {
    await setCapsuleStatus(stack, capsule, "paused");
    try {
      for (const path of socketRoutes(capsule)) {
        const ws = await WsClient.open(wsUrl(stack, path), stack.account.apiKey);
        expect(await ws.next("error"), path).toMatchObject({ code: "invalid_state", message: expect.stringContaining("resume") });
        expect((await ws.closed()).code, path).toBe(4409);
      }
    } finally {
      await setCapsuleStatus(stack, capsule, "running");
    }
  });

  it("refuses a malformed first message with an error and 4400, and keeps serving", async () => {
    const malformed: unknown[] = [
      "not json",
      "[1,2]",
      { type: "launch", cmd: "ls" },
      { type: "start" },
      { type: "start", cmd: "" },
      { type: "start", cmd: "ls", args: "-la" },
      { type: "start", cmd: "ls", envs: { A: 1 } },
      { type: "start", cmd: "ls", timeout_sec: -1 },
    ];
    for (const message of malformed) {
      const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), stack.account.apiKey);
      ws.send(message);
      expect(await ws.next("error"), JSON.stringify(message)).toMatchObject({ code: "invalid_request" });
      expect((await ws.closed()).code).toBe(4400);
    }
    for (const message of [{ type: "start", cols: 0 }, { type: "connect" }, { type: "input", data: "aGk=" }]) {
      const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/pty`), stack.account.apiKey);
      ws.send(message);
      expect(await ws.next("error"), JSON.stringify(message)).toMatchObject({ code: "invalid_request" });
      expect((await ws.closed()).code).toBe(4400);
    }
    const binary = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), stack.account.apiKey);
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect(await binary.next("error")).toMatchObject({ code: "invalid_request", message: expect.stringContaining("binary") });
    expect((await binary.closed()).code).toBe(4400);
    // The server is fine: HTTP and a new socket still work.
    expect((await stack.api("GET", "/health", { auth: null })).status).toBe(200);
    const ws = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/exec/stream`), stack.account.apiKey);
    ws.send({ type: "start", cmd: "true" });
    expect((await ws.next("exit")).exit_code).toBe(0);
  });

  it("answers a plain GET with 400, and refuses a malformed id or query before the upgrade", async () => {
    for (const path of socketRoutes(capsule)) {
      const res = await stack.api("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message).toContain("WebSocket");
    }
    for (const path of ["/v1/capsules/nope/pty", `/v1/capsules/${capsule}/files/watch`, `/v1/capsules/${capsule}/files/watch?path=/tmp&recursive=maybe`]) {
      await expect(WsClient.open(wsUrl(stack, path), stack.account.apiKey), path).rejects.toThrow("HTTP 400");
    }
  });
});

describe("WebSocket sessions (on pglite)", () => {
  let stack: Stack;
  const open = (path: string): Promise<WsClient> => WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}${path}`), stack.account.apiKey);
  const processes = async (): Promise<{ pid: number; tag: string }[]> => (await agent.client.listProcesses({ capsuleId: capsule })).processes;

  beforeAll(async () => {
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    await registerCapsule(stack, capsule);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("feeds stdin to the process, closes stdin on request, and stops it", async () => {
    const cat = await open("/exec/stream");
    cat.send({ type: "start", cmd: "cat" });
    await cat.next("start");
    cat.send({ type: "stdin", data: "hello\n" });
    expect(await cat.output(/hello\n/)).toBe("hello\n");
    cat.send({ type: "stdin", data: Buffer.from([0x68, 0x69, 0x0a]).toString("base64"), encoding: "base64" });
    expect(await cat.output(/hi\n/)).toBe("hi\n");
    cat.send({ type: "stop" });
    const exit = await cat.next("exit");
    expect(exit.exit_code).not.toBe(0);
    expect((await cat.closed()).code).toBe(1000);

    const eof = await open("/exec/stream");
    eof.send({ type: "start", cmd: "/bin/bash", args: ["-c", "wc -c"] });
    eof.send({ type: "stdin", data: "12345", close: true });
    expect(await eof.output(/5\n/)).toBe("5\n");
    expect((await eof.next("exit")).exit_code).toBe(0);
  });

  it("reports a bad message in the middle of a session and carries on", async () => {
    const ws = await open("/exec/stream");
    ws.send({ type: "start", cmd: "cat" });
    await ws.next("start");
    ws.send({ type: "stdin", data: "%%%", encoding: "base64" });
    expect(await ws.next("error")).toMatchObject({ code: "invalid_request", message: expect.stringContaining("base64") });
    ws.send({ type: "resize", cols: 1, rows: 1 });
    expect(await ws.next("error")).toMatchObject({ code: "invalid_request", message: expect.stringContaining('"resize"') });
    ws.send({ type: "stdin", data: "still here\n" });
    expect(await ws.output(/still here\n/)).toBe("still here\n");
    ws.send({ type: "stop", signal: "SIGKILL" });
    expect((await ws.next("exit")).exit_code).not.toBe(0);
  });

  it("sends output that is not UTF-8 as base64, and a command line through bash", async () => {
    const ws = await open("/exec/stream");
    ws.send({ type: "start", cmd: "/bin/bash", args: ["-c", "printf 'ok\\n'; sleep 0.2; printf '\\xff\\xfe\\x00A'"] });
    await ws.next("exit");
    const stdout = ws.messages.filter((m) => m.type === "stdout");
    expect(stdout[0]).toEqual({ type: "stdout", data: "ok\n" });
    expect(stdout.some((m) => m.encoding === "base64")).toBe(true);
    expect(ws.bytesOf("stdout")).toEqual(Buffer.concat([Buffer.from("ok\n"), Buffer.from([0xff, 0xfe, 0x00, 0x41])]));

    const line = await open("/exec/stream");
    line.send({ type: "start", cmd: "echo $((40 + 2)) | tr 4 x", envs: { IGNORED: "1" }, cwd: "/tmp" });
    expect(await line.output(/x2\n/)).toBe("x2\n");
  });

  it("kills the process at timeout_sec", async () => {
    const began = Date.now();
    const ws = await open("/exec/stream");
    ws.send({ type: "start", cmd: "sleep", args: ["30"], timeout_sec: 1 });
    await ws.next("exit");
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it("cancels the agent stream when the socket closes (the attached-only deadline no longer fires)", async () => {
    const ws = await open("/exec/stream");
    ws.send({ type: "start", cmd: "sleep", args: ["60"], tag: "outlives-deadline", timeout_sec: 2 });
    const { pid } = await ws.next("start");
    await ws.close();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Had the agent's stream stayed open, its 2 s deadline would have killed the process.
    expect((await processes()).some((p) => p.pid === pid)).toBe(true);
    await agent.client.killProcess({ capsuleId: capsule, process: { selector: { case: "pid", value: pid } } });
  });

  it("detaches on close (the process runs on) and reattaches by tag and by pid, streaming from now", async () => {
    const first = await open("/exec/stream");
    first.send({ type: "start", cmd: "/bin/bash", args: ["-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"], tag: "ticker" });
    const { pid, tag } = await first.next("start");
    expect(tag).toBe("ticker");
    await first.output(/tick 1\n/);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await processes()).some((p) => p.tag === "ticker")).toBe(true);

    const byTag = await open("/processes/ticker/stream");
    expect((await byTag.next("start")).pid).toBe(pid);
    const text = await byTag.output(/tick \d+\n/);
    expect(Number(/tick (\d+)/.exec(text)![1])).toBeGreaterThan(1);
    await byTag.close();

    const byPid = await open(`/processes/${pid}/stream`);
    await byPid.next("start");
    await byPid.output(/tick \d+\n/);
    byPid.send({ type: "stop" });
    expect((await byPid.next("exit")).exit_code).not.toBe(0);
    expect((await byPid.closed()).code).toBe(1000);
    expect((await processes()).some((p) => p.tag === "ticker")).toBe(false);

    const gone = await open("/processes/ticker/stream");
    expect(await gone.next("error")).toMatchObject({ code: "not_found" });
    expect((await gone.closed()).code).toBe(4404);
    const badPid = await open("/processes/99999999999/stream");
    expect(await badPid.next("error")).toMatchObject({ code: "invalid_request" });
  });

  it("runs a terminal: input, resize, close and reconnect by tag, kill", async () => {
    const term = await open("/pty");
    term.send({ type: "start", cols: 80, rows: 24, envs: { PS1: "$ " } });
    const { tag, pid } = await term.next("started");
    expect(tag).toMatch(/^pty-/);
    expect(pid).toBeGreaterThan(0);
    term.send({ type: "input", data: Buffer.from("echo hel''lo\n").toString("base64") });
    await term.output(/hello\r?\n/);
    term.send({ type: "resize", cols: 100, rows: 40 });
    term.send({ type: "input", data: Buffer.from("stty size\n").toString("base64") });
    await term.output(/40 100/);
    await term.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await processes()).some((p) => p.tag === tag)).toBe(true);

    const again = await open("/pty");
    again.send({ type: "connect", tag });
    expect(await again.next("started")).toEqual({ type: "started", tag, pid });
    again.send({ type: "input", data: Buffer.from("echo back-$((40+2))\n").toString("base64") });
    await again.output(/back-42/);
    again.send({ type: "kill" });
    expect(await again.next("exit")).toMatchObject({ type: "exit" });
    expect((await again.closed()).code).toBe(1000);

    const gone = await open("/pty");
    gone.send({ type: "connect", tag });
    expect(await gone.next("error")).toMatchObject({ code: "not_found" });
    expect((await gone.closed()).code).toBe(4404);
  });

  it("starts a terminal after browser auth with a chosen tag, reports bad input and goes on", async () => {
    const term = await WsClient.open(wsUrl(stack, `/v1/capsules/${capsule}/pty`), null);
    term.send({ type: "auth", token: stack.account.apiKey });
    term.send({ type: "start", cmd: "/bin/sh", tag: "browser-term" });
    expect(await term.next("started")).toMatchObject({ tag: "browser-term" });
    term.send({ type: "input", data: "not base64!" });
    expect(await term.next("error")).toMatchObject({ code: "invalid_request" });
    term.send({ type: "resize", cols: 5000, rows: 10 });
    expect(await term.next("error")).toMatchObject({ code: "invalid_request" });
    term.send({ type: "input", data: Buffer.from("echo sh-$((1+1))\n").toString("base64") });
    await term.output(/sh-2/);
    // A second terminal with the same tag is a conflict.
    const twin = await open("/pty");
    twin.send({ type: "start", cmd: "/bin/sh", tag: "browser-term" });
    expect(await twin.next("error")).toMatchObject({ code: "conflict" });
    expect((await twin.closed()).code).toBe(4409);
    // Kill, then close at once: the kill still happens.
    term.send({ type: "kill" });
    await term.close();
    const deadline = Date.now() + 5_000;
    while ((await processes()).some((p) => p.tag === "browser-term")) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("watches a directory: watching, then the create of a file made by exec; stop ends it", async () => {
    await agent.client.exec({ capsuleId: capsule, cmd: "mkdir", args: ["-p", "/tmp/watched"] });
    const ws = await open("/files/watch?path=/tmp/watched&recursive=true");
    expect(await ws.next("watching")).toEqual({ type: "watching", path: "/tmp/watched", recursive: true });
    const exec = await open("/exec/stream");
    exec.send({ type: "start", cmd: "/bin/bash", args: ["-c", "mkdir -p /tmp/watched/sub && echo hi > /tmp/watched/sub/new.txt"] });
    expect((await exec.next("exit")).exit_code).toBe(0);
    const seen: string[] = [];
    while (!seen.includes("create sub/new.txt")) {
      const { event } = await ws.next("event");
      seen.push(`${event.type} ${event.name}`);
    }
    expect(seen).toContain("create sub");
    ws.send({ type: "stop" });
    expect((await ws.closed()).code).toBe(1000);

    const missing = await open("/files/watch?path=/tmp/does-not-exist");
    expect(await missing.next("error")).toMatchObject({ code: "not_found" });
    expect((await missing.closed()).code).toBe(4404);
  });

  it("keeps the socket alive with pings and refuses frames over 1 MiB with 4413", async () => {
    const ws = await open("/exec/stream");
    let pongs = 0;
    ws.socket.on("ping", () => pongs++);
    await ws.next("ping", 5_000);
    expect(pongs).toBeGreaterThan(0);
    ws.send({ type: "start", cmd: "cat" });
    await ws.next("start");
    ws.send({ type: "stdin", data: "x".repeat(1024 * 1024) });
    expect(await ws.next("error")).toMatchObject({ code: "too_large" });
    expect((await ws.closed()).code).toBe(4413);
    // The stream was detached, not the process: stop it.
    for (const p of (await agent.client.listProcesses({ capsuleId: capsule })).processes.filter((p) => p.cmd === "cat")) {
      await agent.client.killProcess({ capsuleId: capsule, process: { selector: { case: "pid", value: p.pid } } });
    }
  });
});
