import { watch, type FSWatcher, type Stats } from "node:fs";
import { readdir, readlink, stat } from "node:fs/promises";
import { posix } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { WrennError } from "@wrenn/core";
import { EventType, FilesystemEventSchema, type FilesystemEvent } from "@wrenn/proto/envd/filesystem";
import { toWrennError } from "../errors.js";
import type { UserDirectory } from "../users.js";
import { entryFromStats } from "./entry.js";
import { isSameEntry, PHANTOM, sameEntry, snapshot, statOrUndefined, type Known, type Snapshot } from "./entry-snapshot.js";
import { Fifo } from "./fifo.js";

export interface DirWatcherOptions {
  recursive: boolean;
  /** Attach an EntryInfo to events whose entry still exists. */
  includeEntry: boolean;
  users: UserDirectory;
  onEvent(event: FilesystemEvent): void;
  /** Called once when the watch cannot go on; the watcher is already closed by then. */
  onEnd(err: WrennError): void;
  /** Raw notifications waiting to be classified before the watch gives up. */
  maxQueue?: number;
}

interface WatchedDir {
  path: string;
  ino: number;
  birth: number;
  watcher: FSWatcher | undefined;
  entries: Map<string, Known>;
  closed: boolean;
}

/** One notification from fs.watch: "rename" (appeared or went) or "change". */
interface RawEvent {
  dir: WatchedDir;
  kind: string;
  name: string;
}

const LSTAT_BATCH = 128;

/**
 * Watches a directory (optionally its whole tree) with one inotify watch per directory
 * and turns Node's coarse "rename"/"change" notifications into create, write, remove,
 * rename and chmod events by comparing each entry with what was last seen of it
 * (identity = inode + birth time, since inodes are reused at once):
 *
 * - an entry that appears is `create`; one that disappears is `remove`, unless the same
 *   entry appears next under another watched name (or the next name to appear is gone
 *   again before it could be looked at), which is `rename` (old name) then `create`
 *   (new name), as fsnotify reports a move; an entry replaced under the same name is
 *   `remove` then `create`;
 * - a "change" is `chmod` when only attributes moved (mode, owner, or ctime without
 *   mtime), otherwise `write`.
 *
 * Notifications are classified in order, one at a time, against the state at that
 * moment, so a quick burst on one name may be reported in fewer events than happened,
 * never as a state the entry was not in. A move out of the watched tree is reported as
 * `remove`. Symlinked directories are not followed. Directories created inside a
 * recursive watch are listed as soon as their watch is in place, and what is already in
 * them is reported as created. Node 20's own `recursive: true` misses events on Linux,
 * hence the per-directory watches.
 */
export class DirWatcher {
  private readonly dirs = new Map<string, WatchedDir>();
  private readonly queue = new Fifo<RawEvent>();
  private running = false;
  private ready = false;
  private closed = false;
  /** A vanished entry that may turn out to be the source of a rename. */
  private pending: { path: string; snap: Snapshot } | undefined;
  private readonly maxQueue: number;

  private constructor(
    private readonly root: string,
    private readonly options: DirWatcherOptions,
  ) {
    this.maxQueue = options.maxQueue ?? 100_000;
  }

  /** Starts watching `path`, which must be a directory (a symlink to one is fine). */
  static async open(path: string, options: DirWatcherOptions): Promise<DirWatcher> {
    const root = path.length > 1 ? path.replace(/\/+$/, "") : path;
    const st = await stat(root);
    if (!st.isDirectory()) throw new WrennError("invalid_request", `path is not a directory: ${root}`);
    const watcher = new DirWatcher(root, options);
    try {
      await watcher.addDir(root, false);
    } catch (err) {
      watcher.close();
      throw err;
    }
    if (watcher.closed) throw new WrennError("not_found", `directory disappeared while starting to watch it: ${root}`);
    watcher.ready = true;
    watcher.kick();
    return watcher;
  }

  get watchedDirectories(): number {
    return this.dirs.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const dir of this.dirs.values()) {
      dir.closed = true;
      dir.watcher?.close();
    }
    this.dirs.clear();
    this.queue.clear();
  }

  private end(err: WrennError): void {
    if (this.closed) return;
    this.close();
    this.options.onEnd(err);
  }

  private push(dir: WatchedDir, kind: string, name: string | Buffer | null): void {
    if (this.closed || dir.closed || name === null) return;
    const event = { dir, kind, name: name.toString() };
    const last = this.queue.last;
    // A large write is thousands of IN_MODIFYs; one classification covers them all.
    if (kind === "change" && last?.kind === "change" && last.dir === dir && last.name === event.name) return;
    if (this.queue.size >= this.maxQueue) {
      this.end(
        new WrennError(
          "too_large",
          `more than ${this.maxQueue} filesystem events waiting under ${this.root}; watch a narrower directory`,
        ),
      );
      return;
    }
    this.queue.push(event);
    this.kick();
  }

  private kick(): void {
    if (this.ready && !this.running && !this.closed) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed) {
        const event = this.queue.shift();
        if (event) {
          await this.process(event);
          continue;
        }
        if (!this.pending) break;
        // The other half of a rename arrives in the same inotify read; give it one turn.
        await nextTurn();
        if (this.queue.size > 0) continue;
        this.flushPending();
      }
    } catch (err) {
      this.end(toWrennError(err));
    } finally {
      this.running = false;
    }
  }

  private async process(event: RawEvent): Promise<void> {
    const { dir, name } = event;
    if (dir.closed) return;
    // A watch reports its own deletion or move under the directory's base name.
    if (name === posix.basename(dir.path) && (await this.selfGone(dir))) return;
    const path = posix.join(dir.path, name);
    const known = dir.entries.get(name);
    const st = await statOrUndefined(path);
    if (dir.closed || this.closed) return;
    if (event.kind === "change") await this.changed(dir, path, name, known, st);
    else await this.renamed(dir, path, name, known, st);
  }

  private async selfGone(dir: WatchedDir): Promise<boolean> {
    const st = await statOrUndefined(dir.path, true);
    if (st && st.ino === dir.ino && st.birthtimeMs === dir.birth) return false;
    if (dir.path === this.root) {
      this.flushPending();
      this.end(new WrennError("not_found", `the watched directory was removed or moved: ${this.root}`));
    } else {
      this.closeTree(dir.path);
    }
    return true;
  }

  private async changed(dir: WatchedDir, path: string, name: string, known: Known | undefined, st: Stats | undefined): Promise<void> {
    if (!st) return; // a "rename" for the removal follows
    let type = EventType.WRITE;
    const before = sameEntry(known, st);
    if (before) {
      const attrs = before.mode !== st.mode || before.uid !== st.uid || before.gid !== st.gid;
      const data = before.size !== st.size || before.mtimeMs !== st.mtimeMs;
      if (attrs || (!data && before.ctimeMs !== st.ctimeMs)) type = EventType.CHMOD;
      dir.entries.set(name, snapshot(st));
    }
    await this.emit(type, path, st);
  }

  private async renamed(dir: WatchedDir, path: string, name: string, known: Known | undefined, st: Stats | undefined): Promise<void> {
    if (!st) {
      if (known === undefined) {
        // Created and already gone: report both halves, the removal when its own
        // notification comes. Right after a disappearance it is the far end of a move
        // whose target went away too quickly to compare inodes.
        dir.entries.set(name, PHANTOM);
        const pending = this.pending;
        this.pending = undefined;
        if (pending) this.send(EventType.RENAME, pending.path);
        await this.emit(EventType.CREATE, path);
        return;
      }
      dir.entries.delete(name);
      if (known === PHANTOM) {
        await this.emit(EventType.REMOVE, path);
        return;
      }
      this.flushPending();
      if (known.dir) this.closeTree(path);
      this.pending = { path, snap: known };
      return;
    }
    if (sameEntry(known, st)) {
      dir.entries.set(name, snapshot(st));
      return;
    }
    dir.entries.set(name, snapshot(st));
    const pending = this.pending;
    const movedHere = pending !== undefined && isSameEntry(pending.snap, st);
    if (movedHere) {
      this.pending = undefined;
      this.send(EventType.RENAME, pending.path);
    } else if (known !== undefined && known !== PHANTOM) {
      // Replaced in place (deleted and recreated, or another entry moved over it).
      if (known.dir) this.closeTree(path);
      await this.emit(EventType.REMOVE, path);
    }
    await this.emit(EventType.CREATE, path, st);
    if (st.isDirectory() && this.options.recursive) await this.addDir(path, !movedHere);
  }

  private flushPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.send(EventType.REMOVE, pending.path);
  }

  private async emit(type: EventType, path: string, st?: Stats): Promise<void> {
    this.flushPending();
    let entry;
    if (st && this.options.includeEntry) {
      const target = st.isSymbolicLink() ? await readlink(path).catch(() => undefined) : undefined;
      entry = entryFromStats(path, st, this.options.users, target);
    }
    this.send(type, path, entry);
  }

  private send(type: EventType, path: string, entry?: FilesystemEvent["entry"]): void {
    if (this.closed) return;
    this.options.onEvent(create(FilesystemEventSchema, { name: posix.relative(this.root, path), type, entry }));
  }

  /** Watches `path` and records its entries; `announce` reports them as created. */
  private async addDir(path: string, announce: boolean): Promise<void> {
    if (this.closed || this.dirs.has(path)) return;
    const dir: WatchedDir = { path, ino: 0, birth: 0, watcher: undefined, entries: new Map(), closed: false };
    try {
      // Watch first, then list: whatever changes in between is queued and reconciled.
      dir.watcher = watch(path, { persistent: false }, (kind, name) => this.push(dir, kind, name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOSPC") {
        this.end(
          new WrennError(
            "too_large",
            `the capsule's inotify watch limit is reached after ${this.dirs.size} directories under ${this.root}; ` +
              "watch a narrower directory or raise fs.inotify.max_user_watches",
            { cause: err },
          ),
        );
        return;
      }
      if (path !== this.root && (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES")) return;
      throw err;
    }
    dir.watcher.on("error", (err) => this.end(toWrennError(err)));
    const self = await statOrUndefined(path, true);
    if (!self || this.closed) {
      dir.watcher.close();
      if (path === this.root) this.close();
      return;
    }
    dir.ino = self.ino;
    dir.birth = self.birthtimeMs;
    this.dirs.set(path, dir);

    const names = await readdir(path).catch(() => [] as string[]);
    const subdirs: string[] = [];
    for (let i = 0; i < names.length; i += LSTAT_BATCH) {
      const batch = names.slice(i, i + LSTAT_BATCH);
      const stats = await Promise.all(batch.map((name) => statOrUndefined(posix.join(path, name))));
      for (let j = 0; j < batch.length; j++) {
        const st = stats[j];
        const name = batch[j]!;
        if (!st || dir.entries.has(name)) continue;
        dir.entries.set(name, snapshot(st));
        const child = posix.join(path, name);
        if (announce) await this.emit(EventType.CREATE, child, st);
        if (st.isDirectory() && this.options.recursive) subdirs.push(child);
      }
    }
    for (const sub of subdirs) await this.addDir(sub, announce);
  }

  /** Stops watching `path` and everything under it. */
  private closeTree(path: string): void {
    const prefix = path === "/" ? "/" : `${path}/`;
    for (const [key, dir] of this.dirs) {
      if (key !== path && !key.startsWith(prefix)) continue;
      dir.closed = true;
      dir.watcher?.close();
      this.dirs.delete(key);
    }
  }
}
