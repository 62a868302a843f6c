import { lstat, readFile, readdir, readlink, rename, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { WrennError, isTemplateName } from "@wrenn/core";
import { runCommand } from "../util/command.js";

/**
 * A template made on this host, on disk as `<snapshotsDir>/<name>` → `.v-<name>-<random>/`
 * holding `{snapshot.json, ckpt/, upper/}`. `kind` "snapshot" (the default) restores from
 * `ckpt/`; "image" has no checkpoint: capsules cold-boot the base image with `upper/` as
 * their writable layer (recipe builds with nothing left running).
 */
export interface SnapshotMeta {
  name: string;
  kind?: "snapshot" | "image";
  baseTemplate: string;
  vcpus: number;
  memoryMb: number;
  diskMb: number;
  createdAt: number;
  sizeBytes: number;
  /** The envd token inside the checkpoint: needed to /init capsules restored from it. */
  accessToken: string;
  lowerDir: string;
  imageHash: string;
  optDir: string;
  optHash: string;
  envs: Record<string, string>;
  defaultUser: string;
  defaultWorkdir: string;
  envdVersion: string;
}

/** A snapshot as read: its metadata and the version directory that holds its files. */
export interface StoredSnapshot extends SnapshotMeta {
  dir: string;
}

/**
 * Snapshot templates of this host. Each name is a symlink to an immutable version
 * directory, so replacing a template is one `rename` of a new link over the old one:
 * a reader sees the old version or the new one, never neither. A version a capsule is
 * being made from (`acquire`) is deleted only after `release`.
 */
export class SnapshotStore {
  private readonly pins = new Map<string, number>();
  /** The snapshot of each pinned version (a deleted one is no longer listed). */
  private readonly pinned = new Map<string, StoredSnapshot>();
  private readonly doomed = new Set<string>();

  constructor(readonly dir: string) {}

  async get(name: string): Promise<StoredSnapshot | undefined> {
    if (!isTemplateName(name)) return undefined;
    try {
      const link = join(this.dir, name);
      const dir = (await lstat(link)).isSymbolicLink() ? join(this.dir, await readlink(link)) : link;
      const meta = JSON.parse(await readFile(join(dir, "snapshot.json"), "utf8")) as SnapshotMeta;
      return { ...meta, dir };
    } catch {
      return undefined;
    }
  }

  /** Like `get`, and keeps the version's files until `release` (a capsule is made from them). */
  async acquire(name: string): Promise<StoredSnapshot | undefined> {
    const snapshot = await this.get(name);
    if (snapshot) {
      this.pins.set(snapshot.dir, (this.pins.get(snapshot.dir) ?? 0) + 1);
      this.pinned.set(snapshot.dir, snapshot);
    }
    return snapshot;
  }

  async release(snapshot: StoredSnapshot | undefined): Promise<void> {
    if (!snapshot) return;
    const left = (this.pins.get(snapshot.dir) ?? 1) - 1;
    if (left > 0) return void this.pins.set(snapshot.dir, left);
    this.pins.delete(snapshot.dir);
    this.pinned.delete(snapshot.dir);
    if (this.doomed.delete(snapshot.dir)) await rm(snapshot.dir, { recursive: true, force: true });
  }

  async list(): Promise<StoredSnapshot[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const metas = await Promise.all(names.filter((n) => !n.startsWith(".")).map((n) => this.get(n)));
    return metas.filter((m): m is StoredSnapshot => m !== undefined);
  }

  /** The image rootfs and /opt/wrenn layers that listed and pinned snapshots are made from. */
  async layersInUse(): Promise<string[]> {
    return [...(await this.list()), ...this.pinned.values()].flatMap((s) => [s.lowerDir, s.optDir]);
  }

  /** A fresh staging directory; `commit` moves it into place atomically. */
  async stage(): Promise<string> {
    const dir = join(this.dir, `.staging-${randomBytes(6).toString("hex")}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Publishes `staging` as `meta.name`, replacing an existing version in one step when `overwrite`. */
  async commit(staging: string, meta: SnapshotMeta, overwrite: boolean): Promise<StoredSnapshot> {
    meta.sizeBytes = await duBytes(staging);
    const { dir: _ignored, ...persisted } = meta as StoredSnapshot;
    await writeFile(join(staging, "snapshot.json"), JSON.stringify(persisted, null, 2), { mode: 0o600 });
    const suffix = randomBytes(6).toString("hex");
    const version = `.v-${meta.name}-${suffix}`;
    const target = join(this.dir, meta.name);
    const old = await this.get(meta.name);
    if (old && !overwrite) throw new WrennError("conflict", `a snapshot named "${meta.name}" already exists; pass overwrite to replace it`);
    await rename(staging, join(this.dir, version));
    if (old && !(await lstat(target)).isSymbolicLink()) {
      // A template from before versioned directories: move it aside first (not atomic, once).
      await rename(target, join(this.dir, `.old-${meta.name}-${suffix}`));
      old.dir = join(this.dir, `.old-${meta.name}-${suffix}`);
    }
    const link = join(this.dir, `.link-${suffix}`);
    await symlink(version, link);
    await rename(link, target);
    if (old) await this.retire(old.dir);
    return { ...meta, dir: join(this.dir, version) };
  }

  async remove(name: string): Promise<void> {
    const snapshot = await this.get(name);
    if (!snapshot) throw new WrennError("not_found", `no snapshot named "${name}"`);
    const doomed = join(this.dir, `.deleting-${name}-${randomBytes(4).toString("hex")}`);
    await rename(join(this.dir, name), doomed);
    await rm(doomed, { recursive: true, force: true });
    if (snapshot.dir !== join(this.dir, name)) await this.retire(snapshot.dir);
  }

  /** Removes staging leftovers and unreferenced versions of a crashed agent. */
  async cleanup(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const live = new Set<string>();
    for (const name of names.filter((n) => !n.startsWith("."))) {
      const link = join(this.dir, name);
      if ((await lstat(link).catch(() => undefined))?.isSymbolicLink()) live.add(await readlink(link));
    }
    await Promise.all(names.filter((n) => n.startsWith(".") && !live.has(n)).map((n) => rm(join(this.dir, n), { recursive: true, force: true })));
  }

  private async retire(dir: string): Promise<void> {
    if (this.pins.has(dir)) this.doomed.add(dir);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function duBytes(path: string): Promise<number> {
  const { stdout } = await runCommand("du", ["-sb", path]);
  return Number(stdout.split("\t")[0]) || 0;
}
