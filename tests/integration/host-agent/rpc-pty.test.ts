import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { PtyAttachResponse } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";

/** Reads terminal output until `pattern` shows up (or the stream ends). */
async function readUntil(iterator: AsyncIterator<PtyAttachResponse>, pattern: RegExp, timeoutMs = 10_000): Promise<{ output: string; exit?: number }> {
  let output = "";
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const timer = new AbortController();
    const next = await Promise.race([iterator.next(), sleep(deadline - Date.now(), undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
    if (!next || next.done) break;
    const event = next.value.event;
    if (event.case === "output") output += Buffer.from(event.value).toString("utf8");
    if (event.case === "exit") return { output, exit: event.value.exitCode };
    if (pattern.test(output)) return { output };
  }
  throw new Error(`no ${pattern} in terminal output: ${JSON.stringify(output)}`);
}

describe("host agent RPC: terminals", () => {
  let agent: TestAgent;
  let id: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    id = await agent.newCapsule();
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("opens a terminal, takes input and resizes, and outlives a dropped attachment until PtyKill", async () => {
    const first = new AbortController();
    const stream = agent.client.ptyAttach(
      { capsuleId: id, start: { cmd: "/bin/sh", cols: 100, rows: 30, envs: { PS1: "$ " } } },
      { signal: first.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const started = (await iterator.next()).value?.event;
    expect(started?.case).toBe("started");
    const tag = started?.case === "started" ? started.value.tag : "";
    expect(tag).toMatch(/^pty-[0-9a-f]{16}$/);

    await agent.client.ptySendInput({ capsuleId: id, tag, data: Buffer.from("stty size; echo $TERM\n") });
    expect((await readUntil(iterator, /30 100\r?\n.*xterm-256color/s)).output).toContain("30 100");

    await agent.client.ptyResize({ capsuleId: id, tag, cols: 120, rows: 40 });
    await agent.client.ptySendInput({ capsuleId: id, tag, data: Buffer.from("stty size\n") });
    await readUntil(iterator, /40 120/);

    // Drop the attachment: the shell must live on and be found again by its tag.
    first.abort();
    await sleep(200);
    const { processes } = await agent.client.listProcesses({ capsuleId: id });
    expect(processes.some((p) => p.tag === tag)).toBe(true);

    const second = new AbortController();
    const again = agent.client.ptyAttach({ capsuleId: id, tag }, { signal: second.signal })[Symbol.asyncIterator]();
    expect((await again.next()).value?.event).toMatchObject({ case: "started", value: { tag } });
    await agent.client.ptySendInput({ capsuleId: id, tag, data: Buffer.from("echo back-$((40+2))\n") });
    await readUntil(again, /back-42/);

    await agent.client.ptyKill({ capsuleId: id, tag });
    const end = await readUntil(again, /$^/);
    expect(end.exit).toBeDefined();
    second.abort();
  });

  it("starts a terminal with a caller-chosen tag and refuses a second one with the same tag", async () => {
    const abort = new AbortController();
    const first = agent.client.ptyAttach({ capsuleId: id, start: { cmd: "/bin/sh", tag: "my-term" } }, { signal: abort.signal });
    const iterator = first[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.event).toMatchObject({ case: "started", value: { tag: "my-term" } });
    const second = agent.client.ptyAttach({ capsuleId: id, start: { cmd: "/bin/sh", tag: "my-term" } });
    const err = await second[Symbol.asyncIterator]()
      .next()
      .catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.AlreadyExists);
    await agent.client.ptyKill({ capsuleId: id, tag: "my-term" });
    abort.abort();
  });

  it("answers NotFound for input, resize or kill of an unknown terminal, and InvalidArgument without start or tag", async () => {
    for (const call of [
      () => agent.client.ptySendInput({ capsuleId: id, tag: "nope", data: Buffer.from("x") }),
      () => agent.client.ptyResize({ capsuleId: id, tag: "nope", cols: 10, rows: 10 }),
      () => agent.client.ptyKill({ capsuleId: id, tag: "nope" }),
    ]) {
      expect(((await call().catch((e: unknown) => e)) as ConnectError).code).toBe(Code.NotFound);
    }
    const err = await agent.client.ptyAttach({ capsuleId: id })[Symbol.asyncIterator]().next().catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  });
});
