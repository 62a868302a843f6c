import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { Signal, type ExecStreamResponse } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8");

/** Collects an exec-style stream into its parts. */
async function collect(stream: AsyncIterable<ExecStreamResponse>) {
  const out = { pid: 0, tag: "", stdout: "", stderr: "", exit: undefined as { exitCode: number; status: string } | undefined };
  for await (const res of stream) {
    const event = res.event;
    if (event.case === "start") Object.assign(out, { pid: event.value.pid, tag: event.value.tag });
    else if (event.case === "stdout") out.stdout += text(event.value);
    else if (event.case === "stderr") out.stderr += text(event.value);
    else if (event.case === "exit") out.exit = { exitCode: event.value.exitCode, status: event.value.status };
  }
  return out;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("host agent RPC: processes", () => {
  let agent: TestAgent;
  let id: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    id = await agent.newCapsule();
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("runs a command with args, envs, cwd and stdin and answers its output and exit code", async () => {
    const res = await agent.client.exec({
      capsuleId: id,
      cmd: "/bin/sh",
      args: ["-c", 'echo "$GREETING from $(pwd)"; cat; echo oops >&2; exit 7'],
      envs: { GREETING: "hello" },
      cwd: "/tmp",
      stdin: Buffer.from("piped in\n"),
    });
    expect(text(res.stdout)).toBe("hello from /tmp\npiped in\n");
    expect(text(res.stderr)).toBe("oops\n");
    expect(res.exitCode).toBe(7);
    expect(res.timedOut).toBe(false);
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
    expect(res.durationMs).toBeLessThan(5000);
  });

  it("gives a command without stdin an immediate EOF", async () => {
    const res = await agent.client.exec({ capsuleId: id, cmd: "cat", timeoutSec: 5 });
    expect(res.exitCode).toBe(0);
    expect(res.timedOut).toBe(false);
  });

  it("keeps output bytes that are not UTF-8 as they are", async () => {
    const res = await agent.client.exec({ capsuleId: id, cmd: "/bin/sh", args: ["-c", "printf '\\377\\376\\000\\200ok'"] });
    expect(Buffer.from(res.stdout)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x6f, 0x6b]));
  });

  it("kills a command that runs past timeout_sec and says so", async () => {
    const began = Date.now();
    const res = await agent.client.exec({ capsuleId: id, cmd: "/bin/sh", args: ["-c", "echo started; sleep 30"], timeoutSec: 1 });
    expect(res.timedOut).toBe(true);
    expect(text(res.stdout)).toBe("started\n");
    expect(Date.now() - began).toBeLessThan(8000);
    const { processes } = await agent.client.listProcesses({ capsuleId: id });
    expect(processes.some((p) => p.args.join(" ").includes("sleep 30"))).toBe(false);
  });

  it("refuses output past the 16 MiB cap with ResourceExhausted and a hint", async () => {
    const err = await agent.client
      .exec({ capsuleId: id, cmd: "head", args: ["-c", String(17 << 20), "/dev/zero"] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((err as ConnectError).rawMessage).toMatch(/stdout passed 16 MiB.*ReadFileStream/);
  });

  it("streams a command's events with ExecStream", async () => {
    const out = await collect(
      agent.client.execStream({ capsuleId: id, cmd: "/bin/sh", args: ["-c", "echo out; echo err >&2; exit 3"], tag: "stream-1" }),
    );
    expect(out.pid).toBeGreaterThan(0);
    expect(out.tag).toBe("stream-1");
    expect(out.stdout).toBe("out\n");
    expect(out.stderr).toBe("err\n");
    expect(out.exit).toMatchObject({ exitCode: 3 });
  });

  it("leaves an ExecStream process running when the caller aborts, until KillProcess", async () => {
    const abort = new AbortController();
    const stream = agent.client.execStream(
      { capsuleId: id, cmd: "/bin/sh", args: ["-c", "echo ready; sleep 60"], tag: "outlives-stream" },
      { signal: abort.signal },
    );
    for await (const res of stream) {
      if (res.event.case === "stdout") break;
    }
    abort.abort();
    // The agent let go of its side of the stream...
    await waitFor(
      async () => (/^wrenn_agent_rpc_requests_total\{method="ExecStream",code="canceled"\} 1$/m.test(await (await fetch(`${agent.url}/metrics`)).text()) ? true : undefined),
      "the agent to end the abandoned ExecStream",
    );
    // ...and the process lives on.
    const { processes } = await agent.client.listProcesses({ capsuleId: id });
    const proc = processes.find((p) => p.tag === "outlives-stream");
    expect(proc).toBeDefined();
    await agent.client.killProcess({ capsuleId: id, process: { selector: { case: "tag", value: "outlives-stream" } }, signal: Signal.SIGKILL });
    await waitFor(
      async () => ((await agent.client.listProcesses({ capsuleId: id })).processes.some((p) => p.tag === "outlives-stream") ? undefined : true),
      "the killed process to leave the list",
    );
  });

  it("kills an ExecStream process at its timeout_sec while attached", async () => {
    const out = await collect(agent.client.execStream({ capsuleId: id, cmd: "sleep", args: ["30"], timeoutSec: 1 }));
    expect(out.exit).toBeDefined();
    expect(out.exit!.exitCode).not.toBe(0);
  });

  it("starts a background process, reconnects to it, feeds its stdin and kills it", async () => {
    const started = await agent.client.startBackground({
      capsuleId: id,
      cmd: "/bin/sh",
      args: ["-c", 'while read line; do echo "got $line"; done; echo "stdin closed"; sleep 60'],
      tag: "bg-1",
    });
    expect(started.pid).toBeGreaterThan(0);
    expect(started.tag).toBe("bg-1");

    const { processes } = await agent.client.listProcesses({ capsuleId: id });
    expect(processes.find((p) => p.tag === "bg-1")).toMatchObject({ pid: started.pid, cmd: "/bin/sh" });

    const abort = new AbortController();
    const stream = agent.client.connectProcess(
      { capsuleId: id, process: { selector: { case: "tag", value: "bg-1" } } },
      { signal: abort.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.event).toMatchObject({ case: "start", value: { pid: started.pid, tag: "bg-1" } });

    await agent.client.sendProcessInput({ capsuleId: id, process: { selector: { case: "pid", value: started.pid } }, data: Buffer.from("one\n") });
    await agent.client.sendProcessInput({
      capsuleId: id,
      process: { selector: { case: "tag", value: "bg-1" } },
      data: Buffer.from("two\n"),
      close: true,
    });
    let stdout = "";
    while (!stdout.includes("stdin closed")) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.event.case === "stdout") stdout += text(next.value.event.value);
    }
    expect(stdout).toBe("got one\ngot two\nstdin closed\n");

    await agent.client.killProcess({ capsuleId: id, process: { selector: { case: "pid", value: started.pid } } });
    let exit;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.event.case === "exit") exit = next.value.event.value;
    }
    expect(exit?.status).toMatch(/SIGTERM|terminated|signal/i);
    abort.abort();
  });

  it("answers NotFound for a process that does not exist", async () => {
    const err = await agent.client
      .killProcess({ capsuleId: id, process: { selector: { case: "tag", value: "no-such-tag" } } })
      .catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });
});
