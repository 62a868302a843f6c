import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { StartRequestSchema } from "@wrenn/proto/envd/process";
import { EnvdState } from "../state.js";
import { UserDirectory } from "../users.js";
import { eventStream, type EventResponse } from "./events.js";
import { ProcessManager, type ProcessManagerOptions } from "./manager.js";
import type { Watcher } from "./watcher.js";

const quiet = { info() {}, warn() {}, error() {} };
const users = new UserDirectory();
const root = users.lookup(users.userName(process.getuid!()));

/** Gone, or a zombie of whoever adopted it: either way the process is dead. */
function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function firstLine(watcher: Watcher): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const item = watcher.take(1 << 20);
    if (item?.type === "data") text += item.data.toString();
    else if (!item) await watcher.wait(new AbortController().signal, 1000);
  }
  return text.split("\n")[0]!;
}

async function drain(stream: AsyncIterable<EventResponse>): Promise<{ kinds: string[]; stdout: string }> {
  const kinds: string[] = [];
  let stdout = "";
  for await (const res of stream) {
    const event = res.event.event;
    kinds.push(event?.case ?? "?");
    if (event?.case === "data" && event.value?.output?.case === "stdout") stdout += Buffer.from(event.value.output.value!).toString();
  }
  return { kinds, stdout };
}

describe("ProcessManager", () => {
  let manager: ProcessManager | undefined;
  afterEach(async () => {
    await manager?.close();
  });
  const make = (options: ProcessManagerOptions = {}) => (manager = new ProcessManager({ state: new EnvdState(), users, log: quiet }, options));
  const start = (cmd: string, args: string[] = [], extra: Record<string, unknown> = {}) =>
    manager!.start(create(StartRequestSchema, { process: { cmd, args }, ...extra }), root);

  it("sends keepalives on an idle stream at the configured interval", async () => {
    make({ keepaliveIntervalMs: 40 });
    const { process: proc, watcher } = await start("sleep", ["0.3"]);
    const { kinds } = await drain(
      eventStream(watcher, new AbortController().signal, { pid: proc.pid, keepaliveIntervalMs: manager!.keepaliveIntervalMs, maxChunkBytes: 1 << 20, mergeBytes: 1 << 16 }),
    );
    expect(kinds[0]).toBe("start");
    expect(kinds.at(-1)).toBe("end");
    expect(kinds.filter((k) => k === "keepalive").length).toBeGreaterThanOrEqual(3);
  });

  it("close() kills every process group, grandchildren included, and waits", async () => {
    make();
    const { process: a, watcher } = await start("/bin/sh", ["-c", "sleep 300 & echo $!; wait"]);
    const { process: b } = await start("sleep", ["300"], { pty: { size: { cols: 80, rows: 24 } } });
    const grandchild = Number(await firstLine(watcher));
    expect(manager!.size).toBe(2);
    await manager!.close();
    expect(manager!.size).toBe(0);
    expect((await a.ended).status).toBe("signal: killed");
    expect((await b.ended).status).toBe("signal: killed");
    for (let i = 0; i < 100 && !isDead(grandchild); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isDead(grandchild)).toBe(true);
    await expect(start("true")).rejects.toThrow(/shutting down/);
  });

  it("ends a process whose grandchild holds its stdout after the drain window", async () => {
    make({ drainAfterExitMs: 50 });
    const began = Date.now();
    const { process: proc, watcher } = await start("/bin/sh", ["-c", "sleep 5 & echo $!"]);
    const sleeper = Number(await firstLine(watcher));
    expect((await proc.ended).status).toBe("exit status 0");
    expect(Date.now() - began).toBeLessThan(2000);
    process.kill(sleeper, "SIGKILL");
  });

  it("keeps a process that exited while its watcher lagged paused, then delivers every byte", async () => {
    make({ fanoutLimits: { highWaterBytes: 1024, lowWaterBytes: 0 } });
    // 100 kB fits in the pipe, so head exits at once while envd is paused.
    const { process: proc, watcher } = await start("head", ["-c", "100000", "/dev/zero"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watcher.bytes).toBeGreaterThan(0);
    expect(watcher.bytes).toBeLessThanOrEqual(64 << 10);
    let total = 0;
    let ended = false;
    while (!ended) {
      const item = watcher.take(1 << 20);
      if (item?.type === "data") total += item.data.length;
      else if (item?.type === "end") ended = true;
      else await watcher.wait(new AbortController().signal, 1000);
    }
    expect(total).toBe(100000);
    expect((await proc.ended).exitCode).toBe(0);
  });

  it("does not let the drain window cut off output that is readable but not yet read", async () => {
    make({ drainAfterExitMs: 20 });
    // The shell exits at once; its background child writes 50 ms later, within the window.
    const { watcher } = await start("/bin/sh", ["-c", "(sleep 0.05; echo late >&2) & exit 0"]);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (manager!.size > 0) return;
        clearInterval(check);
        // Block the loop past the write and the window: on the next turn the expired
        // timer runs before the poll that would read "late".
        const until = Date.now() + 300;
        while (Date.now() < until) continue;
        resolve();
      }, 1);
    });
    let text = "";
    for (;;) {
      const item = watcher.take(1 << 20);
      if (item?.type === "data") text += item.data.toString();
      else if (item?.type === "end") break;
      else await watcher.wait(new AbortController().signal, 1000);
    }
    expect(text).toBe("late\n");
  });

  it("drops output nobody watches without holding the process back", async () => {
    make({ fanoutLimits: { highWaterBytes: 1024, lowWaterBytes: 0 } });
    const { process: proc, watcher } = await start("head", ["-c", "10000000", "/dev/zero"]);
    watcher.close();
    expect((await proc.ended).exitCode).toBe(0);
  });
});
