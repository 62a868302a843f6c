import { lstat } from "node:fs/promises";
import { WrennError } from "@wrenn/core";
import type { EntryInfo } from "@wrenn/proto/envd/filesystem";
import type { UserDirectory } from "../users.js";
import { ensureDir } from "./ensure-dir.js";
import { entryInfo } from "./entry.js";
import { requireHome, type UserPath } from "./user-path.js";

/**
 * MakeDir: creates the directory and any missing parents, owned by the request's user.
 * Like E2B's envd, an existing directory is `already_exists` (clients that want
 * idempotence treat that code as success) and an existing non-directory is
 * `invalid_argument`.
 */
export async function makeDir(target: UserPath, users: UserDirectory): Promise<EntryInfo> {
  requireHome(target);
  const existing = await lstat(target.path).catch(() => undefined);
  if (existing?.isDirectory()) throw new WrennError("conflict", `directory already exists: ${target.path}`);
  if (existing) throw new WrennError("invalid_request", `path already exists and is not a directory: ${target.path}`);
  const created = await ensureDir(target.path, target.user.uid, target.user.gid);
  if (!created) throw new WrennError("conflict", `directory already exists: ${target.path}`);
  return entryInfo(target.path, users);
}
