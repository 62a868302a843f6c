import { existsSync } from "node:fs";
import type { HandlerContext } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { requestUser } from "../auth.js";
import type { EnvdContext } from "../context.js";
import { resolveUserPath } from "../paths.js";
import type { UserInfo } from "../users.js";

/** The user a filesystem RPC acts as (Basic auth header, else the default user). */
export function rpcUser(ctx: EnvdContext, call: HandlerContext): UserInfo {
  return requestUser(ctx.state, ctx.users, (name) => call.requestHeader.get(name));
}

/** A path as the client wrote it and as envd resolved it for the request's user. */
export interface UserPath {
  raw: string;
  path: string;
  user: UserInfo;
}

export function userPath(raw: string, user: UserInfo): UserPath {
  const path = resolveUserPath(raw, user);
  // "/tmp/x/" names /tmp/x; entries and events report it without the slash.
  return { raw, path: path.length > 1 ? path.replace(/\/+$/, "") : path, user };
}

/**
 * Runs `fn` and, when it fails with "no such file" for a path that was resolved against
 * a home directory that does not exist (users like `nobody` have `/nonexistent`), says so
 * instead of leaving the client to guess where the path went.
 */
export async function withHomeHint<T>(target: UserPath, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw homeHint(target, err);
  }
}

export function homeHint(target: UserPath, err: unknown): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== "ENOENT") return err;
  if (target.raw.startsWith("/") || existsSync(target.user.home)) return err;
  return new WrennError(
    "not_found",
    `no such file or directory: ${target.path} ("${target.raw}" is relative to user ${target.user.name}'s home ` +
      `${target.user.home}, which does not exist); pass an absolute path`,
    { cause: err },
  );
}

/**
 * For operations that create `target`: a path resolved against a home that does not
 * exist would otherwise quietly create that home (`/nonexistent` for `nobody`).
 */
export function requireHome(target: UserPath): void {
  if (target.raw.startsWith("/") || existsSync(target.user.home)) return;
  throw new WrennError(
    "not_found",
    `"${target.raw}" is relative to user ${target.user.name}'s home ${target.user.home}, which does not exist; ` +
      "pass an absolute path",
  );
}
