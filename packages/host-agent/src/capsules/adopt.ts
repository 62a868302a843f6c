import { readdir, rm, rmdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CapsuleDisk, mountedPaths } from "../storage/capsule-disk.js";
import { runCommand } from "../util/command.js";
import { EnvdConnection } from "../envd/connection.js";
import { loadEntry, runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import { waitForEnvd } from "./envd-boot.js";

/**
 * On agent start: takes back the capsules it left running or paused (from state.json
 * under $WRENN_DIR/capsules), and removes the debris of capsules that are gone —
 * sandboxes, namespaces, veths, rules, mounts, cgroups and directories. Capsules the
 * previous agent ran for itself (warm-pool spares, template builds) are removed too: a
 * build dies with its call, and pools refill. Everything on the host is named by the
 * capsule's runtime id (its directory name), which differs from the public id of a
 * capsule claimed from a warm pool (ADR 0005).
 */
export async function adoptCapsules(m: ManagerInternals): Promise<{ adopted: CapsuleEntry[]; removed: string[] }> {
  const adopted: CapsuleEntry[] = [];
  const removed: string[] = [];
  let dirs: string[] = [];
  try {
    dirs = await readdir(m.capsulesDir);
  } catch {
    dirs = [];
  }
  for (const name of dirs) {
    const dir = join(m.capsulesDir, name);
    const entry = await loadEntry(dir);
    const keep = entry && !entry.runtime.purpose && runtimeIdOf(entry) === name ? await revive(m, entry) : false;
    if (keep && entry) {
      adopted.push(entry);
      continue;
    }
    removed.push(name);
    await m.deps.runtime.destroy(name).catch(() => {});
    if (entry?.runtime.net) await m.deps.network.destroy(entry.runtime.net).catch(() => {});
    await new CapsuleDisk(dir).remove().catch((err: Error) => m.deps.log.warn("could not remove capsule debris", { dir, error: err.message }));
  }
  const known = new Set(adopted.map(runtimeIdOf));
  // Sandboxes runsc still knows about but no state file claims.
  for (const id of await m.deps.runtime.list()) {
    if (!known.has(id)) {
      removed.push(id);
      await m.deps.runtime.destroy(id).catch(() => {});
    }
  }
  const net = await m.deps.network.cleanupDebris(known);
  removed.push(...net.removed);
  await unmountStrays(m, known);
  await removeStrayCgroups(known);
  return { adopted, removed: [...new Set(removed)] };
}

async function revive(m: ManagerInternals, entry: CapsuleEntry): Promise<boolean> {
  const id = runtimeIdOf(entry);
  const state = await m.deps.runtime.state(id);
  const { status } = entry.record;
  if (status === "paused" && entry.runtime.checkpointDir) {
    if (state !== "missing") await m.deps.runtime.destroy(id).catch(() => {});
    if (entry.runtime.net) entry.runtime.net = m.deps.network.adopt(entry.runtime.net);
    return true;
  }
  if ((status === "running" || status === "pausing" || status === "resuming") && (state === "running" || state === "paused")) {
    // Frozen by a pause the previous agent did not finish: thaw it.
    if (state === "paused") await m.deps.runtime.thaw(id).catch(() => {});
    if (!entry.runtime.net) return false;
    entry.runtime.net = m.deps.network.adopt(entry.runtime.net);
    try {
      const baseUrl = m.baseUrl(entry);
      entry.record.envdVersion = await waitForEnvd(baseUrl, 5000);
      entry.envd = new EnvdConnection(baseUrl, entry.runtime.accessToken);
      entry.record.status = "running";
      entry.record.address = entry.runtime.net.capsuleIp;
      await m.save(entry);
      return true;
    } catch (err) {
      m.deps.log.warn("running capsule's envd does not answer; removing it", { capsuleId: entry.record.id, error: (err as Error).message });
      return false;
    }
  }
  return false;
}

async function unmountStrays(m: ManagerInternals, known: Set<string>): Promise<void> {
  const prefix = `${m.capsulesDir}/`;
  const capsuleOf = (path: string): string => path.slice(prefix.length).split("/")[0]!;
  const strays = [...(await mountedPaths())].filter((p) => p.startsWith(prefix) && !known.has(capsuleOf(p)));
  // Deepest first: the overlay before the image it lives on.
  strays.sort((a, b) => b.length - a.length);
  for (const path of strays) await runCommand("umount", ["-l", path]).catch(() => {});
  for (const id of new Set(strays.map(capsuleOf))) await rm(join(m.capsulesDir, id), { recursive: true, force: true }).catch(() => {});
}

async function removeStrayCgroups(known: Set<string>): Promise<void> {
  const controllers = ["memory", "cpu", "cpuacct", "pids", "cpuset", "devices", "freezer", "blkio"];
  for (const controller of controllers) {
    const base = `/sys/fs/cgroup/${controller}/wrenn`;
    let names: string[] = [];
    try {
      names = await readdir(base);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith("cl-") || known.has(name)) continue;
      try {
        const procs = await readFile(join(base, name, "cgroup.procs"), "utf8");
        if (procs.trim() === "") await rmdir(join(base, name)).catch(() => {});
      } catch {
        // Not a cgroup directory.
      }
    }
  }
}
