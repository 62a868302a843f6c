// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { decodeText, planPreview, TEXT_PREVIEW_MAX_BYTES } from "./preview";

const file = (name: string, size: number, type = "file") => ({ name, size, type });

describe("planPreview", () => {
  it("previews small text files", () => {
    expect(planPreview(file("main.py", 2000))).toEqual({ kind: "text" });
    expect(planPreview(file("README", 10))).toEqual({ kind: "text" });
  });

  it("refuses text over the cap and says why", () => {
    const plan = planPreview(file("big.log", TEXT_PREVIEW_MAX_BYTES + 1));
    expect(plan.kind).toBe("none");
    expect(plan.kind === "none" && plan.reason).toMatch(/too large/);
    expect(planPreview(file("edge.log", TEXT_PREVIEW_MAX_BYTES)).kind).toBe("text");
  });

  it("never fetches known binary formats", () => {
    for (const name of ["a.tar.gz", "lib.so", "x.pdf", "model.pt", "data.sqlite"]) {
      const plan = planPreview(file(name, 10));
      expect(plan.kind, name).toBe("none");
      expect(plan.kind === "none" && plan.reason).toMatch(/Binary/);
    }
  });

  it("shows small images as images and big ones not at all", () => {
    expect(planPreview(file("plot.PNG", 50_000))).toEqual({ kind: "image", mime: "image/png" });
    expect(planPreview(file("photo.jpg", 50 * 1024 * 1024)).kind).toBe("none");
  });

  it("has nothing to preview for folders", () => {
    expect(planPreview(file("src", 4096, "directory")).kind).toBe("none");
  });
});

describe("decodeText", () => {
  const enc = new TextEncoder();
  it("decodes UTF-8 text", () => {
    expect(decodeText(enc.encode("héllo\nwörld\t✓"))).toBe("héllo\nwörld\t✓");
    expect(decodeText(new Uint8Array())).toBe("");
  });
  it("keeps ANSI escapes (ESC) as text", () => {
    expect(decodeText(enc.encode("\x1b[31mred\x1b[0m"))).toBe("\x1b[31mred\x1b[0m");
  });
  it("calls NUL bytes binary", () => {
    expect(decodeText(new Uint8Array([0x68, 0x00, 0x69]))).toBeNull();
  });
  it("calls invalid UTF-8 binary", () => {
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0x42]))).toBeNull();
  });
  it("calls control-character soup binary", () => {
    const bytes = new Uint8Array(100).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    expect(decodeText(bytes)).toBeNull();
  });
});
