/**
 * PGlite does not lock its directory, and two processes writing one data directory corrupt
 * it. `<dataDir>/db.lock` holds the owner's pid; a lock whose process is gone is stale and
 * taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { WrennError } from "@wrenn/core";

export interface DirectoryLock {
  readonly path: string;
  /** Removes the lock file; safe to call twice. */
  release(): void;
}

/**
 * Lock files this process holds. A pid check cannot tell "this process opened it twice"
 * from "a dead process had our pid" (pid 1 in containers), so the process keeps its own list.
 * Kept on `globalThis` so a second copy of this module (src and dist loaded together) shares it.
 */
const heldKey = Symbol.for("wrenn.db.heldLocks");
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[heldKey] as Set<string> | undefined) ?? new Set<string>();
(globalThis as Record<symbol, unknown>)[heldKey] = held;

/**
 * Takes `lockPath` for the database in `dir` or throws `conflict`. Two processes taking over
 * the same stale lock at the same instant can both win; starting two at once after a crash
 * is the one case this does not cover.
 */
export function acquireDirectoryLock(lockPath: string, dir: string, what = `the database in ${dir}`): DirectoryLock {
  for (let attempt = 0; ; attempt++) {
    if (held.has(lockPath)) {
      throw new WrennError("conflict", `${what} is already open in this process (pid ${process.pid}); close it first`);
    }
    try {
      const fd = openSync(lockPath, "wx");
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return register(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw err;
    }
    const owner = readOwner(lockPath);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new WrennError(
        "conflict",
        `${what} is in use by another Wrenn process (pid ${owner}); stop it first or use another --data-dir`,
      );
    }
    // Stale: its owner died without removing it (or had our pid before a restart).
    rmSync(lockPath, { force: true });
  }
}

function register(lockPath: string): DirectoryLock {
  held.add(lockPath);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    held.delete(lockPath);
    process.off("exit", release);
    rmSync(lockPath, { force: true });
  };
  // Best effort for a process that exits without closing the database.
  process.once("exit", release);
  return { path: lockPath, release };
}

function readOwner(lockPath: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
