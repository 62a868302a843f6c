import { chown, lstat, mkdir } from "node:fs/promises";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";

/**
 * `mkdir -p` that hands every directory it creates to `uid:gid`, so files a user
 * uploads or moves land in directories that user owns. Returns whether `dir` was
 * created (false when it already existed).
 */
export async function ensureDir(dir: string, uid: number, gid: number): Promise<boolean> {
  let first: string | undefined;
  try {
    first = await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") throw await notADirectory(dir, err);
    throw err;
  }
  if (first === undefined) return false;
  const created: string[] = [];
  for (let p = dir; ; p = posix.dirname(p)) {
    created.push(p);
    if (p === first || p === "/") break;
  }
  await Promise.all(created.map((p) => chown(p, uid, gid)));
  return true;
}

/** Names the path component that is in the way, rather than a bare EEXIST. */
async function notADirectory(dir: string, cause: unknown): Promise<unknown> {
  for (let p = dir; p !== "/"; p = posix.dirname(p)) {
    const st = await lstat(p).catch(() => undefined);
    if (st && !st.isDirectory()) {
      return new WrennError("invalid_request", `${p} exists and is not a directory, so ${dir} cannot be created`, { cause });
    }
  }
  return cause;
}
