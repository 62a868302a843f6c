import { lstat, rename } from "node:fs/promises";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";
import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { ensureDir } from "./ensure-dir.js";
import { entryInfo } from "./entry.js";
import { homeHint, requireHome, type UserPath } from "./user-path.js";

/**
 * Move: rename(2), creating the destination's missing parent directories (owned by the
 * request's user). An existing destination file is replaced, as with `mv`. Moves across
 * filesystems fail with `invalid_argument` rather than silently copying.
 */
export async function moveEntry(source: UserPath, destination: UserPath, users: UserDirectory): Promise<EntryInfo> {
  try {
    await lstat(source.path);
  } catch (err) {
    const hinted = homeHint(source, err);
    if (hinted !== err) throw hinted;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new WrennError("not_found", `source does not exist: ${source.path}`, { cause: err });
    }
    throw err;
  }
  if (source.path === "/") throw new WrennError("invalid_request", "cannot move the root directory");
  requireHome(destination);
  await ensureDir(posix.dirname(destination.path), destination.user.uid, destination.user.gid);
  await rename(source.path, destination.path);
  return entryInfo(destination.path, users);
}
