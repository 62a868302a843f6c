import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../util/command.js";

export interface PlatformChoice {
  platform: string;
  runscVersion: string;
  /** Median ms to boot a sandbox and make 50k syscalls in it, per platform tried; null = failed. */
  measuredMs: Record<string, number | null>;
}

/** In order of preference (gVisor's own default first). */
const candidates = ["systrap", "kvm", "ptrace"];

/**
 * Picks the gVisor platform by measuring: each candidate boots a throwaway sandbox from the
 * given rootfs and makes 50k syscalls in it (`dd bs=1`), with a timeout (kvm hangs on some
 * hosts); the fastest that works wins. Boot time alone would not do: ptrace boots as fast
 * as systrap but is many times slower per syscall. The choice is cached per runsc version in `<cacheDir>/platform.json`.
 */
export async function choosePlatform(options: { runsc: string; rootfs: string; cacheDir: string; forced?: string }): Promise<PlatformChoice> {
  const runscVersion = (await runCommand(options.runsc, ["--version"])).stdout.split("\n")[0]!.trim();
  if (options.forced) return { platform: options.forced, runscVersion, measuredMs: {} };
  const cacheFile = join(options.cacheDir, "platform.json");
  try {
    const cached = JSON.parse(await readFile(cacheFile, "utf8")) as PlatformChoice;
    if (cached.runscVersion === runscVersion) return cached;
  } catch {
    // No cache yet.
  }
  const measuredMs: Record<string, number | null> = {};
  for (const platform of candidates) {
    if (platform === "kvm" && !existsSync("/dev/kvm")) {
      measuredMs[platform] = null;
      continue;
    }
    measuredMs[platform] = await probe(options.runsc, platform, options.rootfs, options.cacheDir);
  }
  const working = Object.entries(measuredMs).filter((e): e is [string, number] => e[1] !== null);
  if (working.length === 0) {
    throw new Error(`no gVisor platform works on this host (tried ${candidates.join(", ")}); see ${options.cacheDir}/probe-*`);
  }
  // Candidates are in order of preference; measurements on a busy host are noisy, so a
  // preferred platform within 20 % of the fastest wins.
  const best = Math.min(...working.map((w) => w[1]));
  const chosen = working.find((w) => w[1] <= best * 1.2)!;
  const choice = { platform: chosen[0], runscVersion, measuredMs };
  await mkdir(options.cacheDir, { recursive: true });
  await writeFile(cacheFile, JSON.stringify(choice, null, 2));
  return choice;
}

async function probe(runsc: string, platform: string, rootfs: string, cacheDir: string): Promise<number | null> {
  const dir = join(cacheDir, `probe-${platform}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "bundle"), { recursive: true });
  const spec = {
    ociVersion: "1.0.2",
    process: { args: ["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=25000"], cwd: "/", env: ["PATH=/usr/bin:/bin"], user: { uid: 0, gid: 0 } },
    root: { path: rootfs, readonly: true },
    linux: { namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
  };
  await writeFile(join(dir, "bundle", "config.json"), JSON.stringify(spec));
  const samples: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const id = `wrenn-probe-${platform}-${i}-${process.pid}`;
      const start = performance.now();
      try {
        await runCommand(
          runsc,
          [`--root=${join(dir, "state")}`, `--platform=${platform}`, "--network=none", "--overlay2=none", "run", "--bundle", join(dir, "bundle"), id],
          { timeoutMs: 8000 },
        );
      } finally {
        await runCommand(runsc, [`--root=${join(dir, "state")}`, "delete", "--force", id]).catch(() => {});
      }
      samples.push(performance.now() - start);
    }
  } catch {
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[1]!);
}
