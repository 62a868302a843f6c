import { describe, expect, it } from "vitest";
import { acceptsGzip, parseRange } from "./files-range.js";

describe("parseRange", () => {
  it("reads the three forms of a single range", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("BYTES = 5 - 6", 100)).toEqual({ start: 5, end: 6 });
  });

  it("clamps an end or suffix past the file", () => {
    expect(parseRange("bytes=50-1000", 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange("bytes=-1000", 100)).toEqual({ start: 0, end: 99 });
  });

  it("is unsatisfiable when the range starts past the end", () => {
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=100-200", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-0", 0)).toBe("unsatisfiable");
    expect(parseRange("bytes=-5", 0)).toBe("unsatisfiable");
  });

  it("ignores absent, malformed and multi-range headers", () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange("", 100)).toBeUndefined();
    expect(parseRange("bytes=-", 100)).toBeUndefined();
    expect(parseRange("bytes=9-1", 100)).toBeUndefined();
    expect(parseRange("items=0-1", 100)).toBeUndefined();
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
  });
});

describe("acceptsGzip", () => {
  it("accepts gzip unless its q is 0", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1.0, gzip;q=0.5")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
