import { readFile, readdir, rename, rm, writeFile, mkdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { WrennError, isTemplateName } from "@wrenn/core";
import { runCommand } from "../util/command.js";

/** A snapshot template on disk: `<snapshotsDir>/<name>/{snapshot.json, ckpt/, upper/}`. */
export interface SnapshotMeta {
  name: string;
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

export class SnapshotStore {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  async get(name: string): Promise<SnapshotMeta | undefined> {
    if (!isTemplateName(name)) return undefined;
    try {
      return JSON.parse(await readFile(join(this.dir, name, "snapshot.json"), "utf8")) as SnapshotMeta;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<SnapshotMeta[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const metas = await Promise.all(names.filter((n) => !n.startsWith(".")).map((n) => this.get(n)));
    return metas.filter((m): m is SnapshotMeta => m !== undefined);
  }

  /** A fresh staging directory; `commit` moves it into place atomically. */
  async stage(): Promise<string> {
    const dir = join(this.dir, `.staging-${randomBytes(6).toString("hex")}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async commit(staging: string, meta: SnapshotMeta, overwrite: boolean): Promise<void> {
    meta.sizeBytes = await duBytes(staging);
    await writeFile(join(staging, "snapshot.json"), JSON.stringify(meta, null, 2), { mode: 0o600 });
    const target = this.path(meta.name);
    const old = join(this.dir, `.old-${meta.name}-${randomBytes(4).toString("hex")}`);
    let replaced = false;
    try {
      await rename(target, old);
      replaced = true;
    } catch {
      // Nothing there yet.
    }
    if (replaced && !overwrite) {
      await rename(old, target);
      throw new WrennError("conflict", `a snapshot named "${meta.name}" already exists; pass overwrite to replace it`);
    }
    await rename(staging, target);
    if (replaced) await rm(old, { recursive: true, force: true });
  }

  async remove(name: string): Promise<void> {
    if (!(await this.get(name))) throw new WrennError("not_found", `no snapshot named "${name}"`);
    const doomed = join(this.dir, `.deleting-${name}-${randomBytes(4).toString("hex")}`);
    await rename(this.path(name), doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /** Removes staging leftovers of a crashed agent. */
  async cleanup(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => n.startsWith(".")).map((n) => rm(join(this.dir, n), { recursive: true, force: true })));
  }
}

async function duBytes(path: string): Promise<number> {
  const { stdout } = await runCommand("du", ["-sb", path]);
  return Number(stdout.split("\t")[0]) || 0;
}
