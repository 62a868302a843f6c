import { arch, cpus, freemem, loadavg, totalmem } from "node:os";
import { readFile, statfs } from "node:fs/promises";
import { WRENN_VERSION } from "@wrenn/core";
import type { CapsuleEntry } from "./entry.js";
import type { HostStats } from "./types.js";

/**
 * What the control plane places capsules by. Every capsule that runs counts toward the
 * allocations, the agent's own included (warm-pool spares, builds); the capsule counts
 * keep those apart from the callers' capsules.
 */
export async function hostStats(entries: Iterable<CapsuleEntry>, wrennDir: string, runtime: string): Promise<HostStats> {
  const disk = await statfs(wrennDir);
  let running = 0;
  let paused = 0;
  let vcpus = 0;
  let memoryMb = 0;
  const own = { pool: 0, build: 0 };
  for (const { record, runtime: state } of entries) {
    if (record.status === "paused") paused++;
    else if (record.status !== "stopped" && record.status !== "error") {
      if (state.purpose) own[state.purpose]++;
      else running++;
      vcpus += record.vcpus;
      memoryMb += record.memoryMb;
    }
  }
  return {
    arch: arch(),
    cpuCores: cpus().length,
    memoryTotalBytes: totalmem(),
    memoryAvailableBytes: await memAvailable(),
    diskTotalBytes: disk.blocks * disk.bsize,
    diskAvailableBytes: disk.bavail * disk.bsize,
    capsulesRunning: running,
    capsulesPaused: paused,
    vcpusAllocated: vcpus,
    memoryAllocatedMb: memoryMb,
    load1m: loadavg()[0] ?? 0,
    agentVersion: WRENN_VERSION,
    runtime,
    capsulesWarm: own.pool,
    capsulesBuilding: own.build,
  };
}

async function memAvailable(): Promise<number> {
  try {
    const text = await readFile("/proc/meminfo", "utf8");
    const kb = /MemAvailable:\s+(\d+)/.exec(text)?.[1];
    return kb ? Number(kb) * 1024 : freemem();
  } catch {
    return freemem();
  }
}
