import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GuestMetrics, parseMeminfo, parseProcStat } from "./metrics.js";

const meminfo = `MemTotal:        2048000 kB
MemFree:          512000 kB
MemAvailable:    1536000 kB
Buffers:           10000 kB
Cached:           900000 kB
`;

describe("parseMeminfo", () => {
  it("reports used as total minus available, in bytes", () => {
    expect(parseMeminfo(meminfo)).toEqual({ total: 2048000 * 1024, available: 1536000 * 1024, used: 512000 * 1024 });
  });

  it("falls back to free + buffers + cached on kernels without MemAvailable", () => {
    const old = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n";
    expect(parseMeminfo(old)).toEqual({ total: 1000 * 1024, available: 400 * 1024, used: 600 * 1024 });
  });
});

describe("parseProcStat", () => {
  it("sums the first eight fields and counts iowait as idle", () => {
    const text = "cpu  100 5 50 800 20 3 2 0 7 0\ncpu0 50 2 25 400 10 1 1 0 0 0\nintr 1 2 3\n";
    expect(parseProcStat(text)).toEqual({ total: 980, idle: 820 });
  });

  it("returns undefined without an aggregate cpu line", () => {
    expect(parseProcStat("cpu0 1 2 3 4\n")).toBeUndefined();
  });
});

describe("GuestMetrics", () => {
  let proc: string;
  beforeAll(async () => {
    proc = await mkdtemp(join(tmpdir(), "wrenn-metrics-"));
    await writeFile(join(proc, "meminfo"), meminfo);
    await writeFile(join(proc, "stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n");
  });
  afterAll(async () => {
    await rm(proc, { recursive: true, force: true });
  });

  it("computes CPU use over the time since the previous snapshot", async () => {
    const metrics = new GuestMetrics({ procRoot: proc, minCpuWindowMs: 50 });
    await metrics.start();
    // +300 busy, +100 idle since the first reading → 75 %.
    await writeFile(join(proc, "stat"), "cpu  250 0 250 900 0 0 0 0 0 0\n");
    await new Promise((r) => setTimeout(r, 60));
    expect((await metrics.snapshot()).cpu_used_pct).toBe(75);
    // Asked again at once: too short a window to measure, the last value stands.
    await writeFile(join(proc, "stat"), "cpu  250 0 250 1000 0 0 0 0 0 0\n");
    expect((await metrics.snapshot()).cpu_used_pct).toBe(75);
    // Later: +0 busy, +100 idle since the last measured reading → 0 %.
    await new Promise((r) => setTimeout(r, 60));
    expect((await metrics.snapshot()).cpu_used_pct).toBe(0);
    metrics.recordPageCacheDrop();
    const snap = await metrics.snapshot();
    expect(snap).toMatchObject({ mem_total: 2048000 * 1024, mem_used: 512000 * 1024, page_cache_drops: 1 });
    expect(snap.disk_total).toBeGreaterThan(0);
    expect(snap.disk_used).toBeLessThanOrEqual(snap.disk_total);
  });
});
