// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { capsuleMetricRanges, findRange, stepRange, teamStatsRanges } from "./ranges";

describe("ranges", () => {
  it("offer what the API accepts", () => {
    expect(capsuleMetricRanges.map((r) => r.value)).toEqual(["5m", "10m", "1h", "2h", "6h", "12h", "24h"]);
    expect(teamStatsRanges.map((r) => r.value)).toEqual(["5m", "1h", "6h", "24h", "30d"]);
  });
  it("refresh short ranges faster than long ones", () => {
    const periods = capsuleMetricRanges.map((r) => r.refreshMs);
    expect([...periods].sort((a, b) => a - b)).toEqual(periods);
    expect(capsuleMetricRanges[0].refreshMs).toBeLessThanOrEqual(3000);
  });
  it("find a saved value or fall back", () => {
    expect(findRange(capsuleMetricRanges, "1h", "5m").ms).toBe(3_600_000);
    expect(findRange(capsuleMetricRanges, "bogus", "5m").value).toBe("5m");
    expect(findRange(capsuleMetricRanges, null, "10m").value).toBe("10m");
  });
  it("step with clamping at the ends", () => {
    expect(stepRange(capsuleMetricRanges, "5m", 1)).toBe("10m");
    expect(stepRange(capsuleMetricRanges, "5m", -1)).toBe("5m");
    expect(stepRange(capsuleMetricRanges, "24h", 1)).toBe("24h");
  });
});
