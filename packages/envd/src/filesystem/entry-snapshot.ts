import type { Stats } from "node:fs";
import { lstat, stat } from "node:fs/promises";

/** What a watcher last saw of an entry; identity is inode plus birth time (inodes get reused). */
export interface Snapshot {
  ino: number;
  birth: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  dir: boolean;
}

/** An entry announced as created that was gone before it could be looked at. */
export const PHANTOM = "phantom";
export type Known = Snapshot | typeof PHANTOM;

export function snapshot(st: Stats): Snapshot {
  return {
    ino: st.ino,
    birth: st.birthtimeMs,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    dir: st.isDirectory(),
  };
}

/** Whether `st` is the entry `snap` describes, not a new one under the same name. */
export function isSameEntry(snap: Snapshot, st: Stats): boolean {
  return snap.ino === st.ino && snap.birth === st.birthtimeMs;
}

/** The snapshot when it describes the same file as `st`. */
export function sameEntry(known: Known | undefined, st: Stats): Snapshot | undefined {
  return known !== undefined && known !== PHANTOM && isSameEntry(known, st) ? known : undefined;
}

/** lstat (or stat with `follow`), undefined when the entry cannot be looked at. */
export async function statOrUndefined(path: string, follow = false): Promise<Stats | undefined> {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch {
    return undefined;
  }
}
