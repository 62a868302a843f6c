import { describe, expect, it } from "vitest";
import { OutputEncoder, incompleteTail } from "./output-encoder.js";

describe("OutputEncoder", () => {
  it("passes UTF-8 through as text", () => {
    expect(new OutputEncoder().encode(Buffer.from("héllo ✓\n"))).toEqual({ data: "héllo ✓\n" });
  });

  it("holds back a character split across chunks and sends it whole with the next chunk", () => {
    const check = Buffer.from("a✓b"); // ✓ is 3 bytes
    const encoder = new OutputEncoder();
    expect(encoder.encode(check.subarray(0, 2))).toEqual({ data: "a" });
    expect(encoder.encode(check.subarray(2, 3))).toBeUndefined();
    expect(encoder.encode(check.subarray(3))).toEqual({ data: "✓b" });
    expect(encoder.flush()).toBeUndefined();
  });

  it("sends bytes that are not UTF-8 as base64, held-back bytes included", () => {
    const encoder = new OutputEncoder();
    expect(encoder.encode(Buffer.from([0x61, 0xe2]))).toEqual({ data: "a" });
    expect(encoder.encode(Buffer.from([0xff, 0x00]))).toEqual({ data: Buffer.from([0xe2, 0xff, 0x00]).toString("base64"), encoding: "base64" });
  });

  it("flushes an unfinished character at the end as base64", () => {
    const encoder = new OutputEncoder();
    expect(encoder.encode(Buffer.from([0xf0, 0x9f]))).toBeUndefined();
    expect(encoder.flush()).toEqual({ data: Buffer.from([0xf0, 0x9f]).toString("base64"), encoding: "base64" });
  });

  it("finds incomplete tails only where a lead byte promises more than is there", () => {
    expect(incompleteTail(Buffer.from("abc"))).toBe(0);
    expect(incompleteTail(Buffer.from([0x61, 0xc3]))).toBe(1);
    expect(incompleteTail(Buffer.from([0xc3, 0xa9]))).toBe(0);
    expect(incompleteTail(Buffer.from([0xf0, 0x9f, 0x98]))).toBe(3);
    expect(incompleteTail(Buffer.from([0x61, 0xff]))).toBe(0);
    expect(incompleteTail(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(0);
  });
});
