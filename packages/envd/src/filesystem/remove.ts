import { lstat, rm } from "node:fs/promises";
import { WrennError } from "@wrenn/core";
import { withHomeHint, type UserPath } from "./user-path.js";

/**
 * Remove: a file, a symlink (not its target) or a whole directory tree. A missing path
 * is `not_found` so that typos do not pass silently.
 */
export async function removeEntry(target: UserPath): Promise<void> {
  if (target.path === "/") throw new WrennError("invalid_request", "refusing to remove the root directory");
  await withHomeHint(target, () => lstat(target.path));
  await rm(target.path, { recursive: true, force: true, maxRetries: 2 });
}
