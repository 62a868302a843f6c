import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";

/** CFS period for capsule CPU caps: quota = vcpus × period. */
export const CPU_PERIOD_US = 100_000;

const CGROUP_ROOT = "/sys/fs/cgroup";

/** The capsule's cgroup directory for the cpu controller (runsc made it from `cgroupsPath: /wrenn/<id>`). */
export async function cpuCgroupDir(id: string): Promise<{ dir: string; unified: boolean }> {
  const unified = await access(join(CGROUP_ROOT, "cgroup.controllers")).then(
    () => true,
    () => false,
  );
  return { dir: unified ? join(CGROUP_ROOT, "wrenn", id) : join(CGROUP_ROOT, "cpu", "wrenn", id), unified };
}

/** Caps the sandbox's cgroup at `vcpus` cores (cgroup v1 `cpu.cfs_*`, or v2 `cpu.max`). */
export async function setCpuQuota(id: string, vcpus: number): Promise<void> {
  const { dir, unified } = await cpuCgroupDir(id);
  const quota = Math.round(vcpus * CPU_PERIOD_US);
  try {
    if (unified) {
      await writeFile(join(dir, "cpu.max"), `${quota} ${CPU_PERIOD_US}`);
    } else {
      await writeFile(join(dir, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
      await writeFile(join(dir, "cpu.cfs_quota_us"), String(quota));
    }
  } catch (err) {
    throw new WrennError("internal_error", `could not cap capsule ${id} at ${vcpus} vCPUs in ${dir}: ${(err as Error).message}`, { cause: err });
  }
}
