import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SnapshotStore, type SnapshotMeta } from "./snapshot-store.js";

const meta = (name: string, marker: string): SnapshotMeta => ({
  name,
  baseTemplate: "minimal",
  vcpus: 1,
  memoryMb: 512,
  diskMb: 4096,
  createdAt: 0,
  sizeBytes: 0,
  accessToken: marker,
  lowerDir: "/l",
  imageHash: "h",
  optDir: "/o",
  optHash: "o",
  envs: {},
  defaultUser: "user",
  defaultWorkdir: "",
  envdVersion: "1",
});

describe("snapshot store", () => {
  let dir: string;
  let store: SnapshotStore;
  const publish = async (name: string, marker: string, overwrite = true) => {
    const staging = await store.stage();
    await mkdir(join(staging, "ckpt"));
    await writeFile(join(staging, "ckpt", "marker"), marker);
    return store.commit(staging, meta(name, marker), overwrite);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wrenn-snapshots-"));
    store = new SnapshotStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("replaces a template in one step; readers always find a whole version", async () => {
    await publish("web", "v1");
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const got = await store.get("web");
        if (!got) throw new Error("the template was missing during a replace");
        seen.add(got.accessToken);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 2; i <= 6; i++) await publish("web", `v${i}`);
    reading = false;
    await reader;
    expect((await store.get("web"))?.accessToken).toBe("v6");
    expect(seen.size).toBeGreaterThan(0);
    // One version left on disk, plus the name.
    expect((await readdir(dir)).sort()).toEqual([expect.stringMatching(/^\.v-web-/), "web"]);
    await expect(publish("web", "v7", false)).rejects.toThrow(/already exists/);
  });

  it("keeps a version in use until it is released", async () => {
    await publish("web", "v1");
    const pinned = (await store.acquire("web"))!;
    await publish("web", "v2");
    expect(existsSync(join(pinned.dir, "ckpt", "marker"))).toBe(true);
    await store.release(pinned);
    expect(existsSync(pinned.dir)).toBe(false);
  });

  it("removes templates and cleans leftovers without touching live versions", async () => {
    await publish("a", "1");
    await publish("b", "2");
    await mkdir(join(dir, ".staging-crashed"));
    await mkdir(join(dir, ".v-c-orphan"));
    await store.cleanup();
    expect((await store.list()).map((s) => s.name).sort()).toEqual(["a", "b"]);
    expect((await readdir(dir)).filter((n) => n.startsWith(".")).length).toBe(2);
    await store.remove("a");
    expect(await store.get("a")).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual([expect.stringMatching(/^\.v-b-/), "b"]);
    await expect(store.remove("a")).rejects.toThrow(/no snapshot named "a"/);
  });
});
