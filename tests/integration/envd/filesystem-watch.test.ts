import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { EventType, FileType, type WatchDirRequest, type WatchDirResponse } from "@wrenn/proto/envd/filesystem";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WatchDirRequestSchema } from "@wrenn/proto/envd/filesystem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { envdClients, startEnvd, type EnvdClients, type RunningEnvd } from "@wrenn/testkit";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** inotify watches a process holds, from /proc/<pid>/fdinfo. */
async function inotifyWatches(pid: number): Promise<number> {
  let count = 0;
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    if (link !== "anon_inode:inotify") continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, "utf8").catch(() => "");
    count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return count;
}

/** "CREATE a/b" style labels, easy to compare. */
function label(type: EventType, name: string): string {
  return `${EventType[type]} ${name}`;
}

interface Watch {
  responses: WatchDirResponse[];
  /** Filesystem events so far, as labels. */
  labels(): string[];
  /** Waits until every label has been seen (in any order) and returns all labels. */
  waitFor(...expected: string[]): Promise<string[]>;
  ended: Promise<ConnectError | undefined>;
  close(): void;
}

async function openWatch(
  fs: EnvdClients["filesystem"],
  req: MessageInitShape<typeof WatchDirRequestSchema>,
  headers?: Record<string, string>,
): Promise<Watch> {
  const abort = new AbortController();
  const iterator = fs.watchDir(req, { signal: abort.signal, headers })[Symbol.asyncIterator]();
  const first = await iterator.next();
  expect(first.value?.event.case).toBe("start");
  const responses: WatchDirResponse[] = [];
  const ended = (async (): Promise<ConnectError | undefined> => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return undefined;
        responses.push(next.value);
      }
    } catch (err) {
      return abort.signal.aborted ? undefined : ConnectError.from(err);
    }
  })();
  const labels = (): string[] =>
    responses.flatMap((r) => (r.event.case === "filesystem" ? [label(r.event.value.type, r.event.value.name)] : []));
  return {
    responses,
    labels,
    ended,
    async waitFor(...expected) {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const seen = labels();
        if (expected.every((e) => seen.includes(e))) return seen;
        await sleep(20);
      }
      throw new Error(`timed out waiting for ${JSON.stringify(expected)}; saw ${JSON.stringify(labels())}`);
    },
    close: () => abort.abort(),
  };
}

describe("envd filesystem watching", () => {
  let envd: RunningEnvd;
  let fs: EnvdClients["filesystem"];
  let base: string;
  const open: Watch[] = [];

  const watch = async (req: Partial<WatchDirRequest> & { path: string }, headers?: Record<string, string>): Promise<Watch> => {
    const w = await openWatch(fs, req, headers);
    open.push(w);
    return w;
  };

  beforeAll(async () => {
    envd = await startEnvd();
    fs = envdClients(envd.url).filesystem;
    base = await mkdtemp(join(tmpdir(), "wrenn-watch-"));
  });

  afterEach(() => {
    for (const w of open.splice(0)) w.close();
  });

  afterAll(async () => {
    await envd?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it("streams create, write, chmod, rename and remove with names relative to the watched directory", async () => {
    const dir = join(base, "flat");
    await mkdir(dir);
    const w = await watch({ path: dir });

    await writeFile(join(dir, "a.txt"), "one");
    await w.waitFor("CREATE a.txt", "WRITE a.txt");
    await sleep(50);
    await appendFile(join(dir, "a.txt"), "two");
    await w.waitFor("WRITE a.txt");
    await sleep(50);
    await chmod(join(dir, "a.txt"), 0o600);
    await w.waitFor("CHMOD a.txt");
    await rename(join(dir, "a.txt"), join(dir, "b.txt"));
    await w.waitFor("RENAME a.txt", "CREATE b.txt");
    await rm(join(dir, "b.txt"));
    const all = await w.waitFor("REMOVE b.txt");

    const appendWrite = all.lastIndexOf("WRITE a.txt");
    expect(all.indexOf("CREATE a.txt")).toBeLessThan(appendWrite);
    expect(appendWrite).toBeLessThan(all.indexOf("CHMOD a.txt"));
    expect(all.indexOf("CHMOD a.txt")).toBeLessThan(all.indexOf("RENAME a.txt"));
    expect(all.indexOf("RENAME a.txt")).toBeLessThan(all.indexOf("CREATE b.txt"));
    expect(all.indexOf("CREATE b.txt")).toBeLessThan(all.indexOf("REMOVE b.txt"));
    expect(all).not.toContain("REMOVE a.txt");
  });

  it("does not report changes inside subdirectories unless recursive", async () => {
    const dir = join(base, "shallow");
    await mkdir(join(dir, "sub"), { recursive: true });
    const w = await watch({ path: dir });
    await writeFile(join(dir, "sub", "inner.txt"), "x");
    await writeFile(join(dir, "marker"), "x");
    await w.waitFor("CREATE marker");
    await sleep(100);
    expect(w.labels().some((l) => l.includes("inner.txt"))).toBe(false);
  });

  it("watches a whole tree when recursive, including directories created after the start", async () => {
    const dir = join(base, "deep");
    await mkdir(join(dir, "old", "older"), { recursive: true });
    await writeFile(join(dir, "old", "older", "f.txt"), "");
    const w = await watch({ path: dir, recursive: true });

    await appendFile(join(dir, "old", "older", "f.txt"), "changed");
    await w.waitFor("WRITE old/older/f.txt");

    await mkdir(join(dir, "new", "nested"), { recursive: true });
    await w.waitFor("CREATE new", "CREATE new/nested");
    await sleep(50);
    await writeFile(join(dir, "new", "nested", "g.txt"), "g");
    await w.waitFor("CREATE new/nested/g.txt", "WRITE new/nested/g.txt");

    await rename(join(dir, "new", "nested", "g.txt"), join(dir, "old", "g2.txt"));
    await w.waitFor("RENAME new/nested/g.txt", "CREATE old/g2.txt");

    await rm(join(dir, "new"), { recursive: true });
    await w.waitFor("REMOVE new/nested", "REMOVE new");

    // A moved directory is watched under its new name.
    await rename(join(dir, "old"), join(dir, "renamed"));
    await w.waitFor("RENAME old", "CREATE renamed");
    await sleep(50);
    await writeFile(join(dir, "renamed", "older", "h.txt"), "h");
    await w.waitFor("CREATE renamed/older/h.txt");
    expect(w.labels().some((l) => l.startsWith("CREATE old/older"))).toBe(false);
  });

  it("attaches entries when include_entry is set", async () => {
    const dir = join(base, "entries");
    await mkdir(dir);
    const w = await watch({ path: dir, includeEntry: true });
    await writeFile(join(dir, "e.txt"), "12345");
    await w.waitFor("CREATE e.txt");
    const created = w.responses.find((r) => r.event.case === "filesystem" && r.event.value.type === EventType.CREATE);
    expect(created?.event.case === "filesystem" && created.event.value.entry).toMatchObject({
      name: "e.txt",
      path: join(dir, "e.txt"),
      type: FileType.FILE,
      owner: "root",
    });
    await rm(join(dir, "e.txt"));
    await w.waitFor("REMOVE e.txt");
    const removed = w.responses.find((r) => r.event.case === "filesystem" && r.event.value.type === EventType.REMOVE);
    expect(removed?.event.case === "filesystem" && removed.event.value.entry).toBeUndefined();
  });

  it("sends keepalives when quiet, at the interval the client asks for", async () => {
    const dir = join(base, "quiet");
    await mkdir(dir);
    const w = await watch({ path: dir }, { "Keepalive-Ping-Interval": "1" });
    await sleep(1600);
    expect(w.responses.filter((r) => r.event.case === "keepalive").length).toBeGreaterThanOrEqual(1);
  });

  it("ends the stream with not_found when the watched directory is removed", async () => {
    const dir = join(base, "doomed");
    await mkdir(dir);
    await writeFile(join(dir, "f"), "");
    const w = await watch({ path: dir });
    await rm(dir, { recursive: true });
    const err = await w.ended;
    expect(err?.code).toBe(Code.NotFound);
    expect(err?.rawMessage).toContain(dir);
    expect(w.labels()).toContain("REMOVE f");
  });

  it("rejects a missing directory and a file", async () => {
    const missing = await openWatch(fs, { path: join(base, "missing") }).catch((err: unknown) => ConnectError.from(err));
    expect(missing).toBeInstanceOf(ConnectError);
    expect((missing as ConnectError).code).toBe(Code.NotFound);
    await writeFile(join(base, "plain-file"), "");
    const file = await openWatch(fs, { path: join(base, "plain-file") }).catch((err: unknown) => ConnectError.from(err));
    expect((file as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("releases every inotify watch when streams end and watchers are removed", async () => {
    const dir = join(base, "leak");
    await mkdir(join(dir, "a", "b"), { recursive: true });
    const pid = envd.child.pid!;
    const before = await inotifyWatches(pid);
    const streams = await Promise.all([watch({ path: dir, recursive: true }), watch({ path: dir })]);
    const { watcherId } = await fs.createWatcher({ path: dir, recursive: true });
    expect(await inotifyWatches(pid)).toBeGreaterThan(before);
    for (const w of streams) w.close();
    await fs.removeWatcher({ watcherId });
    let after = -1;
    for (let i = 0; i < 50 && after !== before; i++) {
      await sleep(20);
      after = await inotifyWatches(pid);
    }
    expect(after).toBe(before);
  });

  describe("polling watchers", () => {
    const poll = async (id: string, ...expected: string[]): Promise<string[]> => {
      const seen: string[] = [];
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const { events } = await fs.getWatcherEvents({ watcherId: id });
        seen.push(...events.map((e) => label(e.type, e.name)));
        if (expected.every((e) => seen.includes(e))) return seen;
        await sleep(25);
      }
      throw new Error(`timed out waiting for ${JSON.stringify(expected)}; saw ${JSON.stringify(seen)}`);
    };

    it("buffers events until polled, returns each once, and is gone after RemoveWatcher", async () => {
      const dir = join(base, "polled");
      await mkdir(dir);
      const { watcherId } = await fs.createWatcher({ path: dir });
      expect(watcherId).toMatch(/^[0-9a-f-]{36}$/);

      await writeFile(join(dir, "p.txt"), "p");
      await sleep(150);
      await rename(join(dir, "p.txt"), join(dir, "q.txt"));
      await rm(join(dir, "q.txt"));
      const seen = await poll(watcherId, "CREATE p.txt", "RENAME p.txt", "CREATE q.txt", "REMOVE q.txt");
      expect(seen.indexOf("CREATE p.txt")).toBeLessThan(seen.indexOf("RENAME p.txt"));
      expect((await fs.getWatcherEvents({ watcherId })).events).toEqual([]);

      await fs.removeWatcher({ watcherId });
      const gone = await fs.getWatcherEvents({ watcherId }).catch((err: unknown) => ConnectError.from(err));
      expect((gone as ConnectError).code).toBe(Code.NotFound);
      const again = await fs.removeWatcher({ watcherId }).catch((err: unknown) => ConnectError.from(err));
      expect((again as ConnectError).code).toBe(Code.NotFound);
    });

    it("watches recursively", async () => {
      const dir = join(base, "polled-deep");
      await mkdir(join(dir, "a", "b"), { recursive: true });
      const { watcherId } = await fs.createWatcher({ path: dir, recursive: true });
      try {
        await writeFile(join(dir, "a", "b", "deep.txt"), "x");
        await poll(watcherId, "CREATE a/b/deep.txt");
      } finally {
        await fs.removeWatcher({ watcherId });
      }
    });

    it("reports the end of a watch whose directory was removed after its last events", async () => {
      const dir = join(base, "polled-doomed");
      await mkdir(dir);
      await writeFile(join(dir, "x"), "");
      const { watcherId } = await fs.createWatcher({ path: dir });
      await rm(dir, { recursive: true });
      await poll(watcherId, "REMOVE x").catch(() => undefined);
      let err: ConnectError | undefined;
      for (let i = 0; i < 100 && !err; i++) {
        err = await fs.getWatcherEvents({ watcherId }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
        await sleep(20);
      }
      expect(err?.code).toBe(Code.NotFound);
    });

    it("rejects a missing path", async () => {
      const err = await fs.createWatcher({ path: join(base, "nope") }).catch((e: unknown) => ConnectError.from(e));
      expect((err as ConnectError).code).toBe(Code.NotFound);
    });
  });
});
