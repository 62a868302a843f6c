import { describe, expect, it } from "vitest";
import { Fanout } from "./fanout.js";

function fanout(highWaterBytes = 10, lowWaterBytes = 4) {
  const flow: boolean[] = [];
  const f = new Fanout((paused) => flow.push(paused), { highWaterBytes, lowWaterBytes });
  return { f, flow };
}

const chunk = (n: number) => Buffer.alloc(n, 120);

describe("Fanout", () => {
  it("gives every watcher the same buffers, then the end", () => {
    const { f } = fanout(100, 50);
    const a = f.subscribe();
    const b = f.subscribe();
    const buf = chunk(3);
    f.publish("stdout", buf);
    f.end({ exitCode: 0, exited: true, status: "exit status 0" });
    f.publish("stdout", chunk(3));
    for (const w of [a, b]) {
      const item = w.take(100);
      expect(item?.type === "data" && item.data).toBe(buf);
      expect(w.take(100)?.type).toBe("end");
      expect(w.take(100)).toBeUndefined();
    }
  });

  it("pauses while any watcher is over the high-water mark and resumes when all drain", () => {
    const { f, flow } = fanout();
    const fast = f.subscribe();
    const slow = f.subscribe();
    for (let i = 0; i < 4; i++) f.publish("stdout", chunk(3));
    expect(flow).toEqual([true]);
    expect(f.isPaused).toBe(true);
    while (fast.take(1)) continue;
    expect(flow).toEqual([true]);
    slow.take(3);
    slow.take(3);
    expect(slow.bytes).toBe(6);
    expect(flow).toEqual([true]);
    slow.take(3);
    expect(flow).toEqual([true, false]);
    expect(f.isPaused).toBe(false);
  });

  it("lets a departing slow watcher release the process", () => {
    const { f, flow } = fanout();
    const fast = f.subscribe();
    const slow = f.subscribe();
    f.publish("stdout", chunk(11));
    expect(flow).toEqual([true]);
    fast.take(100);
    slow.close();
    expect(flow).toEqual([true, false]);
    expect(f.watcherCount).toBe(1);
  });

  it("never pauses without watchers (output nobody watches is dropped)", () => {
    const { f, flow } = fanout();
    for (let i = 0; i < 10; i++) f.publish("stdout", chunk(100));
    expect(flow).toEqual([]);
  });

  it("does not resume a process that already ended", () => {
    const { f, flow } = fanout();
    const w = f.subscribe();
    f.publish("stdout", chunk(20));
    f.end({ exitCode: 0, exited: true, status: "exit status 0" });
    while (w.take(100)) continue;
    expect(flow).toEqual([true]);
  });

  it("rejects inverted limits", () => {
    expect(() => new Fanout(() => {}, { highWaterBytes: 1, lowWaterBytes: 2 })).toThrow(RangeError);
  });
});
