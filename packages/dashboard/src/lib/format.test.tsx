// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { formatAge, formatBytes, formatDuration, formatMb, formatPercent, formatTimeout } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [10 * 1024 * 1024, "10 MiB"],
    [5.25 * 1024 ** 3, "5.3 GiB"],
    ["2048", "2 KiB"],
  ] as const)("%s → %s", (input, out) => expect(formatBytes(input)).toBe(out));

  it("shows a dash for missing or invalid input", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(undefined)).toBe("—");
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });

  it("formats memory_mb in binary units", () => {
    expect(formatMb(512)).toBe("512 MiB");
    expect(formatMb(2048)).toBe("2 GiB");
  });
});

describe("formatDuration", () => {
  it.each([
    [250, "250ms"],
    [1000, "1s"],
    [93_000, "1m 33s"],
    [3_600_000, "1h"],
    [3_700_000, "1h 1m"],
    [90_061_000, "1d 1h"],
  ] as const)("%s ms → %s", (ms, out) => expect(formatDuration(ms)).toBe(out));

  it("skips a zero second unit instead of printing it", () => {
    expect(formatDuration(120_000)).toBe("2m");
  });

  it("timeouts of 0 read as never", () => {
    expect(formatTimeout(0)).toBe("never");
    expect(formatTimeout(300)).toBe("5m");
  });
});

describe("formatAge", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  it("is relative to now", () => {
    expect(formatAge("2025-01-01T11:59:58Z", now)).toBe("just now");
    expect(formatAge("2025-01-01T11:59:18Z", now)).toBe("42s ago");
    expect(formatAge("2025-01-01T08:55:00Z", now)).toBe("3h 5m ago");
    expect(formatAge("2025-01-01T12:02:00Z", now)).toBe("in 2m");
  });
  it("shows a dash for null and garbage", () => {
    expect(formatAge(null, now)).toBe("—");
    expect(formatAge("yesterday-ish", now)).toBe("—");
  });
  it("formats percentages with one decimal", () => {
    expect(formatPercent(12.345)).toBe("12.3%");
    expect(formatPercent(undefined)).toBe("—");
  });
});
