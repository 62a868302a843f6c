import { describe, expect, it } from "vitest";
import { renderProgress } from "./progress.js";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 60, write: (s: string) => out.push(s) } };
}

describe("renderProgress", () => {
  it("rewrites one status line on a TTY, cut to the terminal width", () => {
    const { out, stream } = sink(true);
    const render = renderProgress(stream);
    render({ target: "minimal", phase: "debootstrap", message: "extracting libc6", pct: 40 });
    render({ target: "minimal", phase: "debootstrap", message: "unpacking a-package-with-a-very-long-name-that-does-not-fit", pct: 52 });
    render.done();
    expect(out[0]).toBe("\r[minimal] debootstrap:  40% extracting libc6\x1b[K");
    expect(out[1]!.startsWith("\r[minimal] debootstrap:  52% unpacking a-package")).toBe(true);
    expect(out[1]!.endsWith("…\x1b[K")).toBe(true);
    expect(out[1]!.length).toBe(1 + 59 + 3);
    expect(out.at(-1)).toBe("\n");
  });

  it("prints plain lines off a TTY, only on a new phase or another 10 %", () => {
    const { out, stream } = sink(false);
    const render = renderProgress(stream);
    render({ target: "python", phase: "packages", message: "copying minimal", pct: 0 });
    render({ target: "python", phase: "packages", message: "retrieving file 1 of 21", pct: 5 });
    render({ target: "python", phase: "packages", message: "unpacking python3", pct: 12 });
    render({ target: "python", phase: "configure", message: "writing system files" });
    render.done();
    expect(out).toEqual([
      "[python] packages:   0% copying minimal\n",
      "[python] packages:  12% unpacking python3\n",
      "[python] configure: writing system files\n",
    ]);
  });
});
