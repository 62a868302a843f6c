import type { Stats } from "node:fs";
import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";
import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { entryFromStats } from "./entry.js";
import { withHomeHint, type UserPath } from "./user-path.js";

/** Past this a response would not fit a Connect message anyway; ask for less instead. */
export const MAX_LIST_ENTRIES = 100_000;
/** lstat calls in flight per directory. */
const STAT_BATCH = 128;

/**
 * ListDir: the directory's entries, then (depth > 1) the entries of its subdirectories,
 * each with its full path, in name order, parents before children. A symlink to a
 * directory is listed but never descended into. The requested path itself may be a
 * symlink to a directory; paths are reported under the path as requested.
 */
export async function listDir(target: UserPath, depth: number, users: UserDirectory): Promise<EntryInfo[]> {
  const levels = Math.max(1, depth);
  const root = await withHomeHint(target, () => stat(target.path));
  if (!root.isDirectory()) throw new WrennError("invalid_request", `path is not a directory: ${target.path}`);
  const entries: EntryInfo[] = [];
  await walk(target.path, 1, levels, users, entries, true);
  return entries;
}

async function walk(
  dir: string,
  level: number,
  levels: number,
  users: UserDirectory,
  out: EntryInfo[],
  isRoot: boolean,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    // The requested directory must be readable; a subdirectory that vanished or is
    // unreadable mid-walk is skipped like `find` would.
    if (isRoot) throw err;
    return;
  }
  names.sort();
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH);
    const stats = await Promise.all(batch.map((name) => lstat(posix.join(dir, name)).catch(() => undefined)));
    for (let j = 0; j < batch.length; j++) {
      const st = stats[j];
      if (!st) continue;
      const path = posix.join(dir, batch[j]!);
      if (out.length >= MAX_LIST_ENTRIES) {
        throw new WrennError(
          "too_large",
          `listing has more than ${MAX_LIST_ENTRIES} entries at depth ${levels}; list a narrower path or a smaller depth`,
        );
      }
      out.push(entryFromStats(path, st, users, await symlinkTarget(path, st)));
      if (level < levels && st.isDirectory()) await walk(path, level + 1, levels, users, out, false);
    }
  }
}

function symlinkTarget(path: string, st: Stats): Promise<string | undefined> | undefined {
  return st.isSymbolicLink() ? readlink(path).catch(() => undefined) : undefined;
}
