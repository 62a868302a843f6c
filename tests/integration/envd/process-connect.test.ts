import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { Signal } from "@wrenn/proto/envd/process";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";
import { collect, expectConnectError, firstEvent, isGone, readUntil, waitFor } from "./process-helpers.js";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const byTag = (tag: string) => ({ selector: { case: "tag" as const, value: tag } });
const byPid = (pid: number) => ({ selector: { case: "pid" as const, value: pid } });

describe("envd process watchers, List and signals", () => {
  let envd: RunningEnvd;
  let client: EnvdClients["process"];
  beforeAll(async () => {
    envd = await startEnvd();
    client = envdClients(envd.url).process;
  });
  afterAll(async () => {
    await envd?.stop();
  });

  /** Starts `script` under sh with a tag and returns the open stream after its start event. */
  async function startTagged(tag: string, script: string, signal?: AbortSignal) {
    const stream = client.start({ process: { cmd: "/bin/sh", args: ["-c", script] }, tag }, { signal });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.event?.event.case).toBe("start");
    return { it, pid: (first.value?.event?.event.value as { pid: number }).pid };
  }

  it("sends the same output to two watchers", async () => {
    const { it, pid } = await startTagged("two-watchers", "read go; seq 1 20000; echo done");
    const second = client.connect({ process: byTag("two-watchers") })[Symbol.asyncIterator]();
    const secondFirst = await second.next();
    expect(secondFirst.value?.event?.event).toMatchObject({ case: "start", value: { pid } });

    await client.sendInput({ process: byPid(pid), input: { input: { case: "stdin", value: text("go\n") } } });
    const [a, b] = await Promise.all([collect({ [Symbol.asyncIterator]: () => it }), collect({ [Symbol.asyncIterator]: () => second })]);
    const expected = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join("") + "done\n";
    expect(a.stdout).toBe(expected);
    expect(b.stdout).toBe(expected);
    expect(a.end).toEqual(b.end);
    expect(a.end?.exitCode).toBe(0);
  });

  it("lists running processes with their config, pid and tag", async () => {
    const stream = client.start({
      process: { cmd: "sleep", args: ["30"], envs: { A: "1" }, cwd: "/tmp" },
      tag: "listed",
    });
    const it = stream[Symbol.asyncIterator]();
    const pid = ((await it.next()).value?.event?.event.value as { pid: number }).pid;
    const { processes } = await client.list({});
    const listed = processes.find((p) => p.pid === pid);
    expect(listed?.tag).toBe("listed");
    expect(listed?.config).toMatchObject({ cmd: "sleep", args: ["30"], envs: { A: "1" }, cwd: "/tmp" });

    await client.sendSignal({ process: byTag("listed"), signal: Signal.SIGKILL });
    await collect({ [Symbol.asyncIterator]: () => it });
    expect((await client.list({})).processes.find((p) => p.pid === pid)).toBeUndefined();
  });

  it("keeps a process running after the watcher that started it goes away", async () => {
    const abort = new AbortController();
    const { it, pid } = await startTagged("outlives", "read x; echo got $x; sleep 0.2; echo after", abort.signal);
    abort.abort();
    await it.next().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await client.list({})).processes.map((p) => p.pid)).toContain(pid);

    const watcher = client.connect({ process: byTag("outlives") });
    const watched = watcher[Symbol.asyncIterator]();
    expect((await watched.next()).value?.event?.event).toMatchObject({ case: "start", value: { pid } });
    await client.sendInput({ process: byTag("outlives"), input: { input: { case: "stdin", value: text("hello\n") } } });
    const rest = await collect({ [Symbol.asyncIterator]: () => watched });
    expect(rest.stdout).toBe("got hello\nafter\n");
    expect(rest.end?.exitCode).toBe(0);
  });

  it("rejects a duplicate tag while the first holder runs, and frees it after", async () => {
    const { it } = await startTagged("unique", "read x");
    await expectConnectError(() => collect(client.start({ process: { cmd: "true" }, tag: "unique" })), Code.AlreadyExists, /tag "unique"/);
    await client.closeStdin({ process: byTag("unique") });
    await collect({ [Symbol.asyncIterator]: () => it });
    const again = await collect(client.start({ process: { cmd: "true" }, tag: "unique" }));
    expect(again.end?.exitCode).toBe(0);
  });

  it("SIGTERM and SIGKILL end a process with Go's status strings", async () => {
    const term = await startTagged("term", "sleep 30");
    await client.sendSignal({ process: byTag("term"), signal: Signal.SIGTERM });
    const termEnd = await collect({ [Symbol.asyncIterator]: () => term.it });
    expect(termEnd.end).toMatchObject({ exitCode: -1, exited: false, status: "signal: terminated", error: "signal: terminated" });

    const kill = await startTagged("kill", "sleep 30");
    await client.sendSignal({ process: byPid(kill.pid), signal: Signal.SIGKILL });
    const killEnd = await collect({ [Symbol.asyncIterator]: () => kill.it });
    expect(killEnd.end).toMatchObject({ exitCode: -1, exited: false, status: "signal: killed" });
  });

  it("signals the whole process group, reaching grandchildren", async () => {
    const { it, pid } = await startTagged("group", "sleep 300 & echo $!; wait");
    const grandchild = Number((await readUntil(it, (seen) => seen.endsWith("\n"))).trim());
    expect(isGone(grandchild)).toBe(false);
    await client.sendSignal({ process: byPid(pid), signal: Signal.SIGKILL });
    await collect({ [Symbol.asyncIterator]: () => it });
    await waitFor(() => isGone(grandchild), 5000, `grandchild ${grandchild} to die`);
  });

  it("ends Start soon after the process exits even if a background grandchild keeps stdout open", async () => {
    const started = Date.now();
    const run = await collect(client.start({ process: { cmd: "/bin/sh", args: ["-c", "sleep 3 & echo $!; echo bye"] } }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(run.stdout).toMatch(/^\d+\nbye\n$/);
    expect(run.end?.exitCode).toBe(0);
    process.kill(Number(run.stdout.split("\n")[0]), "SIGKILL");
  });

  it("answers not_found for unknown pids and tags, invalid_argument without a selector", async () => {
    const pid = byPid(999_999_999);
    const tag = byTag("no-such-tag");
    for (const process of [pid, tag]) {
      const what = process === pid ? /pid 999999999/ : /tag "no-such-tag"/;
      await expectConnectError(() => collect(client.connect({ process })), Code.NotFound, what);
      await expectConnectError(() => client.sendInput({ process, input: { input: { case: "stdin", value: text("x") } } }), Code.NotFound, what);
      await expectConnectError(() => client.sendSignal({ process, signal: Signal.SIGKILL }), Code.NotFound, what);
      await expectConnectError(() => client.closeStdin({ process }), Code.NotFound, what);
      await expectConnectError(() => client.update({ process, pty: { size: { cols: 80, rows: 24 } } }), Code.NotFound, what);
    }
    await expectConnectError(() => client.sendSignal({ signal: Signal.SIGKILL }), Code.InvalidArgument, /selector is required/);
    expect(await firstEvent(client.start({ process: { cmd: "true" } }))).toBe("start");
  });

  it("rejects an unspecified signal", async () => {
    const { it, pid } = await startTagged("unspecified", "sleep 30");
    await expectConnectError(() => client.sendSignal({ process: byPid(pid), signal: Signal.UNSPECIFIED }), Code.InvalidArgument, /SIGTERM/);
    await client.sendSignal({ process: byPid(pid), signal: Signal.SIGKILL });
    await collect({ [Symbol.asyncIterator]: () => it });
  });
});
