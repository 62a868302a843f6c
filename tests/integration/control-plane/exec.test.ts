// Exec and background processes through the REST API, against real capsules, on both back ends.
import { setTimeout as sleep } from "node:timers/promises";
import { dbBackends } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectNoLeftovers, startTestAgent, type TestAgent } from "./support/agent.js";
import { startStack, type Stack } from "./support/stack.js";

let agent: TestAgent;
/** Every capsule this file created, to check that none left anything on the host. */
const everCreated = new Set<string>();

beforeAll(async () => {
  agent = await startTestAgent("cp-exec", "10.23.0.0/16");
}, 300_000);

afterAll(async () => {
  expectNoLeftovers(await agent?.shutdown(), everCreated);
}, 120_000);

describe.each(dbBackends)("exec and processes on %s", (backend) => {
  let stack: Stack;
  let id: string;
  const exec = (body: Record<string, unknown>, auth?: string) => stack.api("POST", `/v1/capsules/${id}/exec`, { body, ...(auth ? { auth } : {}) });
  const processes = async (): Promise<any[]> => (await stack.api("GET", `/v1/capsules/${id}/processes`)).body;

  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    const res = await stack.api("POST", "/v1/capsules", { body: { timeout_sec: 0 } });
    expect(res.status, res.text).toBe(201);
    id = res.body.id;
    everCreated.add(id);
  }, 120_000);

  afterAll(async () => {
    if (id) await stack.api("DELETE", `/v1/capsules/${id}`);
    await stack?.close();
  });

  it("runs a program with args, envs, cwd, user and stdin", async () => {
    const res = await exec({
      cmd: "/bin/bash",
      args: ["-c", 'echo "$FOO $(pwd) $(id -un)"; cat; echo err >&2; exit 3'],
      envs: { FOO: "bar" },
      cwd: "/tmp",
      user: "root",
      stdin: "from stdin\n",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ stdout: "bar /tmp root\nfrom stdin\n", stderr: "err\n", exit_code: 3, encoding: "utf-8", timed_out: false });
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(0);
    // The agent's own share of the call, as it reported it.
    const handler = /^agent_handler;dur=(\d+\.\d\d);desc="[^",]*"$/.exec(res.headers.get("server-timing") ?? "");
    expect(handler, res.headers.get("server-timing") ?? "no Server-Timing").not.toBeNull();
    expect(Number(handler![1])).toBeGreaterThanOrEqual(res.body.duration_ms - 1);
    const plain = await exec({ cmd: "id", args: ["-un"] });
    expect(plain.body.stdout).toBe("user\n");
  });

  it("runs a command line through bash -lc when cmd has spaces and no args", async () => {
    const res = await exec({ cmd: "echo $((40 + 2)) | tr 4 x" });
    expect(res.body).toMatchObject({ stdout: "x2\n", exit_code: 0 });
    expect((await exec({ cmd: "hostname" })).body.stdout).toBe(`${id}\n`);
  });

  it("answers non-UTF-8 output as base64, both streams alike", async () => {
    const res = await exec({ cmd: "/bin/bash", args: ["-c", "printf '\\xff\\xfe\\x00A'; printf ok >&2"] });
    expect(res.body.encoding).toBe("base64");
    expect(Buffer.from(res.body.stdout, "base64")).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(Buffer.from(res.body.stderr, "base64").toString()).toBe("ok");
  });

  it("kills a command at timeout_sec and says so", async () => {
    const began = Date.now();
    const res = await exec({ cmd: "/bin/bash", args: ["-c", "echo started; sleep 30"], timeout_sec: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ timed_out: true, exit_code: -1, stdout: "started\n" });
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it("refuses bad exec input with 400", async () => {
    const bad: unknown[] = [
      {},
      { cmd: "" },
      { cmd: "ls\u0000" },
      { cmd: "ls", args: "-la" },
      { cmd: "ls", args: ["a\u0000b"] },
      { cmd: "ls", timeout_sec: 0 },
      { cmd: "ls", timeout_sec: 3601 },
      { cmd: "ls", envs: { "A-B": "x" } },
      { cmd: "ls", user: "root;rm" },
      { cmd: "ls", background: "yes" },
      { cmd: "ls", surprise: true },
    ];
    for (const body of bad) {
      const res = await exec(body as Record<string, unknown>);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const missing = await exec({ cmd: "/no/such/program" });
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.body.error.message).toMatch(/no\/such\/program/);
  });

  it("starts background processes by tag, lists, feeds stdin and signals them", async () => {
    const started = await exec({ cmd: "/bin/bash", args: ["-c", "cat > /tmp/fed"], background: true, tag: "feeder" });
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ tag: "feeder" });
    expect(started.body.pid).toBeGreaterThan(0);
    const sleeper = await exec({ cmd: "sleep 300", background: true });
    expect(sleeper.status).toBe(202);
    expect(sleeper.body.tag).toBeNull();

    const listed = await processes();
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ pid: started.body.pid, tag: "feeder", cmd: "/bin/bash", pty: false })]));
    expect(listed.map((p) => p.pid)).toContain(sleeper.body.pid);

    const stdin = (body: unknown, target = "feeder") => stack.api("POST", `/v1/capsules/${id}/processes/${target}/stdin`, { body });
    expect((await stdin({ data: "hello " })).status).toBe(204);
    expect((await stdin({ data: Buffer.from("world\n").toString("base64"), encoding: "base64" }, String(started.body.pid))).status).toBe(204);
    expect((await stdin({})).status).toBe(400);
    expect((await stdin({ data: "%%%", encoding: "base64" })).status).toBe(400);
    expect((await stdin({ close: true })).status).toBe(204);
    let fed = "";
    for (let i = 0; i < 20 && fed !== "hello world\n"; i++) {
      await sleep(100);
      fed = (await exec({ cmd: "cat", args: ["/tmp/fed"] })).body.stdout;
    }
    expect(fed).toBe("hello world\n");

    expect((await stack.api("DELETE", `/v1/capsules/${id}/processes/${sleeper.body.pid}?signal=SIGKILL`)).status).toBe(204);
    for (let i = 0; i < 20 && (await processes()).some((p) => p.pid === sleeper.body.pid); i++) await sleep(100);
    expect((await processes()).map((p) => p.pid)).not.toContain(sleeper.body.pid);

    expect((await stack.api("DELETE", `/v1/capsules/${id}/processes/no-such-tag`)).status).toBe(404);
    expect((await stack.api("DELETE", `/v1/capsules/${id}/processes/0`)).status).toBe(400);
    expect((await stack.api("DELETE", `/v1/capsules/${id}/processes/1?signal=SIGHUP`)).status).toBe(400);
    expect((await stdin({ data: "x" }, "no-such-tag")).status).toBe(404);
  });

  it("hides exec and processes from another team", async () => {
    const other = await stack.newAccount(`exec-other-${backend}-${Date.now()}@example.test`);
    const marker = `/tmp/other-${Date.now()}`;
    const res = await exec({ cmd: "touch", args: [marker] }, other.apiKey);
    expect(res.status).toBe(404);
    expect((await stack.api("GET", `/v1/capsules/${id}/processes`, { auth: other.apiKey })).status).toBe(404);
    expect((await stack.api("DELETE", `/v1/capsules/${id}/processes/feeder`, { auth: other.apiKey })).status).toBe(404);
    expect((await stack.api("POST", `/v1/capsules/${id}/processes/feeder/stdin`, { auth: other.apiKey, body: { data: "x" } })).status).toBe(404);
    expect((await exec({ cmd: "test", args: ["-e", marker] })).body.exit_code).toBe(1);
  });
});
