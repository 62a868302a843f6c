import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseWarmPools, WarmPools, type PoolKey, type SpareHost } from "./warm-pool.js";

const log = { info() {}, warn() {}, error() {} };
const minimal: PoolKey = { template: "minimal", vcpus: 1, memoryMb: 512 };

/** Spares are just names; `fail` makes the next starts throw. */
function fakeHost(): SpareHost & { started: string[]; destroyed: string[]; fail: number } {
  let n = 0;
  const host = {
    started: [] as string[],
    destroyed: [] as string[],
    fail: 0,
    async start(key: PoolKey) {
      await new Promise((r) => setTimeout(r, 5));
      if (host.fail > 0) {
        host.fail--;
        throw new Error("no room");
      }
      const id = `${key.template}-${n++}`;
      host.started.push(id);
      return id;
    },
    async destroy(id: string) {
      host.destroyed.push(id);
    },
  };
  return host;
}

describe("warm pools", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("fills to size, hands each spare out once, and refills", async () => {
    const host = fakeHost();
    const pools = new WarmPools(host, log);
    await pools.start([{ ...minimal, size: 2 }]);
    await pools.whenIdle();
    expect(pools.list()).toEqual([{ ...minimal, size: 2, ready: 2, starting: 0, claimed: 0, lastError: "" }]);
    const taken = [pools.take(minimal), pools.take(minimal), pools.take(minimal)];
    expect(taken).toEqual(["minimal-0", "minimal-1", undefined]);
    expect(pools.take({ ...minimal, memoryMb: 256 })).toBeUndefined();
    await pools.whenIdle();
    expect(pools.list()[0]).toMatchObject({ ready: 2, claimed: 2 });
    expect(pools.count()).toBe(2);
  });

  it("destroys spares of a changed template, and removes the pools of a deleted one", async () => {
    const host = fakeHost();
    const pools = new WarmPools(host, log);
    await pools.set(minimal, 1);
    await pools.set({ template: "snap", vcpus: 1, memoryMb: 512 }, 1);
    await pools.whenIdle();
    await pools.templateChanged("snap", false);
    expect(host.destroyed).toEqual(["snap-1"]);
    await pools.whenIdle();
    expect(pools.list().find((p) => p.template === "snap")?.ready).toBe(1);
    await pools.templateChanged("snap", true);
    expect(pools.list().map((p) => p.template)).toEqual(["minimal"]);
    await pools.set(minimal, 0);
    expect(pools.list()).toEqual([]);
    expect(host.destroyed.sort()).toEqual(["minimal-0", "snap-1", "snap-2"]);
  });

  it("backs off after a failed start and reports the error until a start works", async () => {
    const host = fakeHost();
    host.fail = 1;
    const pools = new WarmPools(host, log);
    await pools.set(minimal, 1);
    await pools.whenIdle();
    expect(pools.list()[0]).toMatchObject({ ready: 0, lastError: "no room" });
    await new Promise((r) => setTimeout(r, 1200));
    await pools.whenIdle();
    expect(pools.list()[0]).toMatchObject({ ready: 1, lastError: "" });
  });

  it("drains for good: spares destroyed, nothing started afterwards", async () => {
    const host = fakeHost();
    const pools = new WarmPools(host, log);
    await pools.set(minimal, 2);
    await pools.drain();
    expect(host.destroyed.sort()).toEqual([...host.started].sort());
    expect(pools.take(minimal)).toBeUndefined();
    await expect(pools.set(minimal, 1)).rejects.toThrow(/shutting down/);
  });

  it("keeps sizes set at run time in its file, over the configured defaults", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wrenn-pools-"));
    dirs.push(dir);
    const file = join(dir, "warm-pools.json");
    const first = new WarmPools(fakeHost(), log, file);
    await first.start([{ ...minimal, size: 1 }]);
    await first.set(minimal, 0);
    await first.set({ template: "python", vcpus: 2, memoryMb: 1024 }, 3);
    await first.drain();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual([
      { ...minimal, size: 0 },
      { template: "python", vcpus: 2, memoryMb: 1024, size: 3 },
    ]);
    const second = new WarmPools(fakeHost(), log, file);
    await second.start([{ ...minimal, size: 1 }]);
    expect(second.list().map((p) => `${p.template}:${p.size}`)).toEqual(["python:3"]);
    await second.drain();
  });

  it("parses WRENN_WARM_POOLS", () => {
    expect(parseWarmPools(" minimal:1:512:2, python:2:1024:1 ")).toEqual([
      { ...minimal, size: 2 },
      { template: "python", vcpus: 2, memoryMb: 1024, size: 1 },
    ]);
    expect(parseWarmPools("")).toEqual([]);
    expect(() => parseWarmPools("minimal:1:512")).toThrow(/template:vcpus:memory_mb:size/);
  });
});
