import { posix } from "node:path";
import { WrennError } from "@wrenn/core";
import type { UserInfo } from "./users.js";

/**
 * Resolves a path the way a user of the capsule means it: `~` and `~/x` are the user's
 * home, relative paths are relative to the home, absolute paths are normalised.
 */
export function resolveUserPath(path: string, user: UserInfo): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new WrennError("invalid_request", "path is required");
  }
  if (path.includes("\0")) throw new WrennError("invalid_request", "path must not contain NUL bytes");
  if (path.length > 4096) throw new WrennError("invalid_request", "path is longer than 4096 characters");
  if (path === "~") return posix.normalize(user.home);
  if (path.startsWith("~/")) return posix.join(user.home, path.slice(2));
  if (path.startsWith("/")) return posix.normalize(path);
  return posix.join(user.home, path);
}
