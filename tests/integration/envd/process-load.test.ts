import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";
import { childrenOf, collect, rssMb, waitFor } from "./process-helpers.js";

describe("envd process load, backpressure and reaping", () => {
  let envd: RunningEnvd;
  let client: EnvdClients["process"];
  let dir: string;
  beforeAll(async () => {
    envd = await startEnvd();
    client = envdClients(envd.url).process;
    dir = mkdtempSync(join(tmpdir(), "wrenn-envd-process-"));
  });
  afterAll(async () => {
    await envd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Also the regression test for output written just before exit: with 100 processes
  // envd's loop is busy enough that exits are seen before their last output is read.
  it("runs 100 processes at once, each with its own output", async () => {
    const runs = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        collect(client.start({ process: { cmd: "/bin/sh", args: ["-c", `echo start-$0; sleep 0.2; echo end-$0 >&2; exit $(($0 % 7))`, String(i)] } })),
      ),
    );
    runs.forEach((run, i) => {
      expect(run.stdout).toBe(`start-${i}\n`);
      expect(run.stderr).toBe(`end-${i}\n`);
      expect(run.end?.exitCode).toBe(i % 7);
    });
    expect(new Set(runs.map((run) => run.pid)).size).toBe(100);
    expect((await client.list({})).processes).toEqual([]);
  });

  it("holds a slow watcher's process back instead of buffering or dropping its output", async () => {
    const size = 50 << 20;
    const file = join(dir, "big.bin");
    const content = randomBytes(size);
    writeFileSync(file, content);
    const expected = createHash("sha256").update(content).digest("hex");

    const envdPid = envd.child.pid!;
    const baseline = rssMb(envdPid);
    const it = client.start({ process: { cmd: "cat", args: [file] } })[Symbol.asyncIterator]();
    const hash = createHash("sha256");
    let received = 0;
    const first = await it.next();
    const pid = (first.value?.event?.event.value as { pid: number }).pid;

    const readSome = async (count: number): Promise<boolean> => {
      for (let i = 0; i < count; i++) {
        const next = await it.next();
        if (next.done) return false;
        const event = next.value.event?.event;
        if (event?.case === "data" && event.value.output.case === "stdout") {
          hash.update(event.value.output.value);
          received += event.value.output.value.length;
        }
        if (event?.case === "end") {
          expect(event.value.exitCode).toBe(0);
          return false;
        }
      }
      return true;
    };

    await readSome(4);
    // Stall: without backpressure cat would finish in milliseconds and envd would hold
    // the rest of the 50 MB. With it, cat stays blocked on a full pipe.
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      peak = Math.max(peak, rssMb(envdPid));
    }
    expect((await client.list({})).processes.map((p) => p.pid)).toContain(pid);
    expect(received).toBeLessThan(size / 2);
    // What grows is serialisation garbage for the few MB the kernel's socket buffers
    // absorb (~25 MB until the next GC); without backpressure it is the whole 50 MB.
    expect(peak - baseline).toBeLessThan(40);

    // Slow reading: a pause every few messages, all the way to the end.
    let i = 0;
    while (await readSome(8)) {
      if (i++ % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(received).toBe(size);
    expect(hash.digest("hex")).toBe(expected);
  });

  it("leaves no zombie children behind", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        collect(
          client.start({
            process: { cmd: "/bin/sh", args: ["-c", "sleep 0.1 & exit 0"] },
            ...(i % 2 ? { pty: { size: { cols: 80, rows: 24 } } } : {}),
          }),
        ),
      ),
    );
    const it = client.start({ process: { cmd: "sleep", args: ["30"] }, tag: "killed" })[Symbol.asyncIterator]();
    await it.next();
    await client.sendSignal({ process: { selector: { case: "tag", value: "killed" } }, signal: 9 });
    await collect({ [Symbol.asyncIterator]: () => it });
    await waitFor(() => childrenOf(envd.child.pid!).filter(([, state]) => state === "Z").length === 0, 3000, "no zombies");
    expect(childrenOf(envd.child.pid!).filter(([, state]) => state === "Z")).toEqual([]);
  });
});
