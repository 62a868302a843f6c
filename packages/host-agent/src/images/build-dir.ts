import { chmod, mkdtemp, readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { removeTree } from "./remove-tree.js";
import { tryFileLock } from "./file-lock.js";

/**
 * Atomic directories for images and /opt/wrenn layers. A build writes into
 * `<parent>/.build-<name>-<random>/` (same filesystem as the result) and is renamed into
 * place when complete, so readers see either the old result or the new one, never half.
 */
export async function createBuildDir(parent: string, name: string): Promise<string> {
  const dir = await mkdtemp(join(parent, `.build-${name}-`));
  // mkdtemp makes it 0700; the published image or layer must be traversable.
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Renames a finished build to `target`. An existing `target` is first renamed aside to
 * `.old-<name>-<random>` and removed afterwards; if the final rename fails it is put back.
 */
export async function publishDir(buildDir: string, target: string, parent: string, name: string): Promise<void> {
  let aside: string | undefined;
  if (await exists(target)) {
    aside = join(parent, `.old-${name}-${buildDir.slice(buildDir.lastIndexOf("-") + 1)}`);
    await rename(target, aside);
  }
  try {
    await rename(buildDir, target);
  } catch (err) {
    if (aside) await rename(aside, target).catch(() => {});
    throw err;
  }
  if (aside) await removeTree(aside);
}

/** The build or aside dirs of `name` under `parent` (`.build-<name>-*`, `.old-<name>-*`). */
export async function leftoverDirs(parent: string, name?: string): Promise<{ path: string; name: string }[]> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  const found: { path: string; name: string }[] = [];
  for (const entry of entries) {
    const m = /^\.(?:build|old)-(.+)-[^-]+$/.exec(entry);
    if (m && (name === undefined || m[1] === name)) found.push({ path: join(parent, entry), name: m[1]! });
  }
  return found;
}

/**
 * Removes what crashed builds left under `parent`. A leftover is only stale if no live
 * process holds its name's lock (another agent process may be building right now), so
 * each name's lock is tried without waiting and busy names are skipped.
 */
export async function removeStaleBuilds(parent: string, lockPath: (name: string) => string): Promise<string[]> {
  const removed: string[] = [];
  const byName = new Map<string, string[]>();
  for (const dir of await leftoverDirs(parent)) byName.set(dir.name, [...(byName.get(dir.name) ?? []), dir.path]);
  for (const [name, dirs] of byName) {
    const lock = await tryFileLock(lockPath(name));
    if (!lock) continue;
    try {
      for (const dir of dirs) {
        await removeTree(dir);
        removed.push(dir);
      }
    } finally {
      await lock.release();
    }
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
