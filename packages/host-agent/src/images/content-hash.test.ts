import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { hashFiles, imageContentHash } from "./content-hash.js";

describe("imageContentHash", () => {
  it("is a stable sha256 per template, different for each", () => {
    const hashes = ["minimal", "python", "node"].map(imageContentHash);
    for (const h of hashes) expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(hashes).size).toBe(3);
    expect(imageContentHash("python")).toBe(hashes[1]);
  });

  it("throws not_found for templates that are not built in", () => {
    expect(() => imageContentHash("alpine")).toThrow(WrennError);
  });
});

describe("hashFiles", () => {
  it("changes with contents, names and modes, not with the order given", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wrenn-hash-"));
    try {
      const a = join(dir, "a");
      const b = join(dir, "b");
      await writeFile(a, "one");
      await writeFile(b, "two");
      const files = [
        { rel: "x/a", mode: 0o644, source: a },
        { rel: "x/b", mode: 0o755, source: b },
      ];
      const base = await hashFiles(files);
      expect(await hashFiles([...files].reverse())).toBe(base);
      expect(await hashFiles([{ ...files[0]!, rel: "y/a" }, files[1]!])).not.toBe(base);
      expect(await hashFiles([{ ...files[0]!, mode: 0o600 }, files[1]!])).not.toBe(base);
      await writeFile(a, "ONE");
      await chmod(a, 0o644);
      expect(await hashFiles(files)).not.toBe(base);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
