import { describe, expect, it } from "vitest";
import { MetricsRings, Ring } from "./ring.js";

describe("Ring", () => {
  it("keeps the newest items in order", () => {
    const ring = new Ring<number>(3);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
  });
});

describe("MetricsRings", () => {
  const point = (ts: number, cpuPct: number) => ({ ts, cpuPct, memBytes: cpuPct * 10, diskBytes: 7 });

  it("holds 10 minutes at 1 s and averages into 30 s steps", () => {
    const rings = new MetricsRings();
    const t0 = 1_800_000_000_000; // a multiple of 5 minutes
    for (let i = 0; i < 700; i++) rings.add(point(t0 + i * 1000, i < 30 ? 10 : 20));
    const fine = rings.get("1s");
    expect(fine.length).toBe(600);
    expect(fine[0]!.ts).toBe(t0 + 100_000);
    const coarse = rings.get("30s");
    expect(coarse[0]).toEqual({ ts: t0, cpuPct: 10, memBytes: 100, diskBytes: 7 });
    expect(coarse[1]!.cpuPct).toBe(20);
    expect(coarse.length).toBe(23); // 700 s = 23 full steps + one still open
  });

  it("flush returns every tier including open buckets, then clears", () => {
    const rings = new MetricsRings();
    for (let i = 0; i < 5; i++) rings.add(point(1_800_000_000_000 + i * 1000, i));
    const all = rings.flush();
    expect(all["1s"].length).toBe(5);
    expect(all["30s"]).toEqual([{ ts: 1_800_000_000_000, cpuPct: 2, memBytes: 20, diskBytes: 7 }]);
    expect(all["5m"].length).toBe(1);
    expect(rings.get("1s")).toEqual([]);
  });
});
