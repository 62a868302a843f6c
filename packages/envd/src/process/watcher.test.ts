import { describe, expect, it } from "vitest";
import { Watcher, type WatcherOwner } from "./watcher.js";

function owner(): WatcherOwner & { drains: number; detached: number } {
  return {
    drains: 0,
    detached: 0,
    drained() {
      this.drains++;
    },
    detach() {
      this.detached++;
    },
  };
}

const data = (kind: "stdout" | "stderr", text: string) => ({ type: "data" as const, kind, data: Buffer.from(text) });
const end = { type: "end" as const, exit: { exitCode: 0, exited: true, status: "exit status 0" } };

describe("Watcher", () => {
  it("merges adjacent chunks of one stream up to mergeBytes, never across streams", () => {
    const w = new Watcher(owner());
    w.push(data("stdout", "ab"));
    w.push(data("stdout", "cd"));
    w.push(data("stdout", "ef"));
    w.push(data("stderr", "xy"));
    w.push(data("stdout", "gh"));
    w.push(end);
    expect(w.bytes).toBe(10);
    expect(w.take(100, 4)).toMatchObject({ kind: "stdout", data: Buffer.from("abcd") });
    expect(w.take(100, 4)).toMatchObject({ kind: "stdout", data: Buffer.from("ef") });
    expect(w.take(100, 4)).toMatchObject({ kind: "stderr", data: Buffer.from("xy") });
    expect(w.take(100, 4)).toMatchObject({ kind: "stdout", data: Buffer.from("gh") });
    expect(w.take(100, 4)).toBe(end);
    expect(w.take(100, 4)).toBeUndefined();
    expect(w.bytes).toBe(0);
  });

  it("splits a chunk longer than maxBytes without losing bytes", () => {
    const w = new Watcher(owner());
    w.push(data("stdout", "0123456789"));
    const parts: string[] = [];
    for (let item = w.take(4); item; item = w.take(4)) parts.push(item.type === "data" ? item.data.toString() : "end");
    expect(parts).toEqual(["0123", "4567", "89"]);
  });

  it("tells its owner after every take and when it closes", () => {
    const o = owner();
    const w = new Watcher(o);
    w.push(data("stdout", "x"));
    w.take(10);
    expect(o.drains).toBe(1);
    w.close();
    w.close();
    expect(o.detached).toBe(1);
    w.push(data("stdout", "ignored"));
    expect(w.take(10)).toBeUndefined();
  });

  it("wait resolves on push, on timeout and on abort", async () => {
    const w = new Watcher(owner());
    const controller = new AbortController();
    const waiting = w.wait(controller.signal, 10_000);
    w.push(data("stdout", "x"));
    expect(await waiting).toBe("ready");
    expect(await w.wait(controller.signal, 0)).toBe("ready");
    w.take(10);
    expect(await w.wait(controller.signal, 5)).toBe("timeout");
    const aborted = w.wait(controller.signal, 10_000);
    controller.abort();
    expect(await aborted).toBe("aborted");
    expect(await w.wait(controller.signal, 10_000)).toBe("aborted");
  });

  it("compacts its queue as it is consumed", () => {
    const w = new Watcher(owner());
    for (let i = 0; i < 5000; i++) w.push(data(i % 2 ? "stdout" : "stderr", "z"));
    let count = 0;
    while (w.take(1)) count++;
    expect(count).toBe(5000);
    expect(w.bytes).toBe(0);
  });
});
