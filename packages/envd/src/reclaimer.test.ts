import { describe, expect, it } from "vitest";
import { Reclaimer } from "./reclaimer.js";
import { EnvdState } from "./state.js";
import type { Logger } from "./log.js";

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const gib = 1024 ** 3;

function reclaimer(usedGib: number, state = new EnvdState(), dropResult = true) {
  const calls = { drops: 0, counted: 0 };
  const r = new Reclaimer({
    state,
    log,
    intervalMs: 10,
    thresholdPct: 80,
    readMemory: async () => ({ total: 10 * gib, used: usedGib * gib, available: (10 - usedGib) * gib }),
    drop: async () => {
      calls.drops++;
      return dropResult;
    },
    onDrop: () => calls.counted++,
  });
  return { r, calls, state };
}

describe("Reclaimer.tick", () => {
  it("drops the page cache at or above the threshold", async () => {
    const { r, calls } = reclaimer(8);
    expect(await r.tick()).toBe(true);
    expect(calls).toEqual({ drops: 1, counted: 1 });
  });

  it("leaves memory alone below the threshold", async () => {
    const { r, calls } = reclaimer(7.9);
    expect(await r.tick()).toBe(false);
    expect(calls.drops).toBe(0);
  });

  it("never drops while a snapshot is being prepared", async () => {
    const { r, calls, state } = reclaimer(9.5);
    state.quiesced = true;
    expect(await r.tick()).toBe(false);
    expect(calls.drops).toBe(0);
  });

  it("does not count a drop the kernel refused", async () => {
    const { r, calls } = reclaimer(9, new EnvdState(), false);
    expect(await r.tick()).toBe(false);
    expect(calls).toEqual({ drops: 1, counted: 0 });
  });
});

describe("Reclaimer timer", () => {
  it("runs every interval until stopped", async () => {
    const { r, calls } = reclaimer(9);
    r.start();
    await expect.poll(() => calls.counted, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    r.stop();
    const after = calls.counted;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.counted).toBeLessThanOrEqual(after + 1);
  });
});
