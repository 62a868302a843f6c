import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireFileLock, tryFileLock } from "./file-lock.js";

describe("file lock", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wrenn-lock-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("excludes other holders until released", async () => {
    const path = join(dir, "minimal.lock");
    const held = await acquireFileLock(path);
    expect(await tryFileLock(path)).toBeUndefined();
    let second = false;
    const waiting = acquireFileLock(path).then((l) => {
      second = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBe(false);
    await held.release();
    await (await waiting).release();
    const again = await tryFileLock(path);
    expect(again).toBeDefined();
    await again!.release();
  });

  it("stops waiting when aborted", async () => {
    const path = join(dir, "python.lock");
    const held = await acquireFileLock(path);
    const controller = new AbortController();
    const waiting = acquireFileLock(path, controller.signal);
    controller.abort(new Error("gave up"));
    await expect(waiting).rejects.toThrow("gave up");
    await held.release();
  });
});
