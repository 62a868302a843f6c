import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventType, type FilesystemEvent } from "@wrenn/proto/envd/filesystem";
import type { WrennError } from "@wrenn/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UserDirectory } from "../users.js";
import { DirWatcher } from "./dir-watcher.js";
import { WatcherRegistry } from "./watchers.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const users = new UserDirectory();

interface Recorder {
  labels: string[];
  ended: WrennError[];
  watcher: DirWatcher;
  settle(expected: number): Promise<string[]>;
}

describe("DirWatcher", () => {
  let base: string;
  const watchers: DirWatcher[] = [];

  const record = async (path: string, recursive = false): Promise<Recorder> => {
    const labels: string[] = [];
    const ended: WrennError[] = [];
    const watcher = await DirWatcher.open(path, {
      recursive,
      includeEntry: false,
      users,
      onEvent: (e: FilesystemEvent) => labels.push(`${EventType[e.type]} ${e.name}`),
      onEnd: (err) => ended.push(err),
    });
    watchers.push(watcher);
    return {
      labels,
      ended,
      watcher,
      async settle(expected) {
        for (let i = 0; i < 200 && labels.length < expected; i++) await sleep(10);
        await sleep(50);
        return labels;
      },
    };
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "wrenn-dirwatch-"));
  });
  afterEach(() => {
    for (const w of watchers.splice(0)) w.close();
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("reports a rename over an existing file as rename + create, without a remove", async () => {
    const dir = join(base, "over");
    await mkdir(dir);
    await writeFile(join(dir, "a"), "a");
    await writeFile(join(dir, "b"), "b");
    const r = await record(dir);
    await rename(join(dir, "a"), join(dir, "b"));
    expect(await r.settle(2)).toEqual(["RENAME a", "CREATE b"]);
  });

  it("reports a delete and re-create under the same name, even when the inode is reused", async () => {
    const dir = join(base, "recreate");
    await mkdir(dir);
    await writeFile(join(dir, "f"), "1");
    const r = await record(dir);
    await rm(join(dir, "f"));
    await writeFile(join(dir, "f"), "2");
    const labels = await r.settle(3);
    expect(labels.slice(0, 2)).toEqual(["REMOVE f", "CREATE f"]);
  });

  it("reports a file created and deleted at once as create then remove", async () => {
    const dir = join(base, "blink");
    await mkdir(dir);
    const r = await record(dir);
    await writeFile(join(dir, "tmp"), "");
    await rm(join(dir, "tmp"));
    expect(await r.settle(2)).toEqual(["CREATE tmp", "REMOVE tmp"]);
  });

  it("reports a move between watched subdirectories as rename + create", async () => {
    const dir = join(base, "across");
    await mkdir(join(dir, "x"), { recursive: true });
    await mkdir(join(dir, "y"));
    await writeFile(join(dir, "x", "f"), "");
    const r = await record(dir, true);
    expect(r.watcher.watchedDirectories).toBe(3);
    await rename(join(dir, "x", "f"), join(dir, "y", "f"));
    expect(await r.settle(2)).toEqual(["RENAME x/f", "CREATE y/f"]);
  });

  it("stops watching a removed subtree and ends when the root goes", async () => {
    const dir = join(base, "gone");
    await mkdir(join(dir, "sub", "subsub"), { recursive: true });
    const r = await record(dir, true);
    expect(r.watcher.watchedDirectories).toBe(3);
    await rm(join(dir, "sub"), { recursive: true });
    await r.settle(2);
    expect(r.labels).toEqual(["REMOVE sub/subsub", "REMOVE sub"]);
    expect(r.watcher.watchedDirectories).toBe(1);
    await rm(dir, { recursive: true });
    for (let i = 0; i < 100 && r.ended.length === 0; i++) await sleep(10);
    expect(r.ended.map((e) => e.code)).toEqual(["not_found"]);
  });

  it("gives up with too_large when events pile up past the queue limit", async () => {
    const dir = join(base, "flood");
    await mkdir(dir);
    const ended: WrennError[] = [];
    const watcher = await DirWatcher.open(dir, {
      recursive: false,
      includeEntry: false,
      users,
      maxQueue: 5,
      onEvent: () => {},
      onEnd: (err) => ended.push(err),
    });
    watchers.push(watcher);
    await Promise.all(Array.from({ length: 50 }, (_, i) => writeFile(join(dir, `f${i}`), "")));
    for (let i = 0; i < 100 && ended.length === 0; i++) await sleep(10);
    expect(ended[0]?.code).toBe("too_large");
  });
});

describe("WatcherRegistry", () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "wrenn-registry-"));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("keeps only the newest events past its buffer size", async () => {
    const registry = new WatcherRegistry({ maxEvents: 10 });
    try {
      const id = await registry.create(base, { recursive: false, includeEntry: false, users });
      for (let i = 0; i < 30; i++) await writeFile(join(base, `f${String(i).padStart(2, "0")}`), "");
      await sleep(200);
      const events = registry.takeEvents(id);
      expect(events.length).toBeLessThanOrEqual(10);
      expect(events.at(-1)?.name).toBe("f29");
      expect(registry.takeEvents(id)).toEqual([]);
    } finally {
      await registry.close();
    }
    expect(registry.size).toBe(0);
  });

  it("limits how many watchers exist at once", async () => {
    const registry = new WatcherRegistry({ maxWatchers: 1 });
    try {
      await registry.create(base, { recursive: false, includeEntry: false, users });
      await expect(registry.create(base, { recursive: false, includeEntry: false, users })).rejects.toThrow(/at most 1 watchers/);
    } finally {
      await registry.close();
    }
  });
});
