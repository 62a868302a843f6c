import { readFile, readdir } from "node:fs/promises";
import type { EnvdState } from "./state.js";
import type { Logger } from "./log.js";
import { readMemoryUsage } from "./http/metrics.js";

/**
 * gVisor has no OOM killer of its own: when a capsule hits its host cgroup limit the host
 * kills the whole sandbox. The host gives the cgroup some headroom above the capsule's
 * limit, and this guard kills the largest process inside once usage passes the limit, so
 * a memory hog dies alone (docs/runtime-notes.md §6).
 */
export class OomGuard {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private running = false;
  /** The last process killed: nothing else dies while it is still freeing its memory. */
  private dying: number | undefined;
  kills = 0;

  constructor(
    private readonly deps: { state: EnvdState; log: Logger; intervalMs?: number; procRoot?: string },
  ) {}

  /**
   * Polls every 100 ms while usage is under half the limit, then faster as it approaches.
   * A process allocating at full speed gains ~300 MB in a second, more than the host's
   * headroom, so a slower poll lets the host kill the whole sandbox first. One /proc read
   * per poll keeps an idle capsule nearly free.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async (): Promise<void> => {
      if (!this.running) return;
      const delay = await this.nextDelay();
      if (!this.running) return;
      this.timer = setTimeout(() => void this.check().finally(tick), delay);
      this.timer.unref();
    };
    void tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async nextDelay(): Promise<number> {
    const fixed = this.deps.intervalMs;
    if (fixed !== undefined) return fixed;
    const limit = this.deps.state.memoryLimitBytes;
    if (!limit) return 1000;
    try {
      const ratio = (await readMemoryUsage(this.deps.procRoot)).used / limit;
      return ratio < 0.5 ? 100 : ratio < 0.8 ? 50 : 20;
    } catch {
      return 1000;
    }
  }

  /** One check: returns the pid it killed, if any. */
  async check(): Promise<number | undefined> {
    const limit = this.deps.state.memoryLimitBytes;
    if (!limit || this.busy || this.deps.state.quiesced) return undefined;
    this.busy = true;
    try {
      const procRoot = this.deps.procRoot ?? "/proc";
      // Usage stays high until the last victim's memory is freed: killing again meanwhile
      // would take an innocent process (the next command) with it.
      if (this.dying !== undefined && (await isAlive(procRoot, this.dying))) return undefined;
      this.dying = undefined;
      const mem = await readMemoryUsage(this.deps.procRoot);
      if (mem.used <= limit) return undefined;
      const victim = await largestProcess(procRoot);
      if (!victim) return undefined;
      process.kill(victim.pid, "SIGKILL");
      this.dying = victim.pid;
      this.kills++;
      this.deps.log.warn("out of memory: killed the largest process", {
        pid: victim.pid,
        name: victim.name,
        rss_bytes: victim.rss,
        used_bytes: mem.used,
        limit_bytes: limit,
      });
      return victim.pid;
    } catch {
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}

/** Whether `pid` exists and is not a zombie (a zombie has freed its memory). */
async function isAlive(procRoot: string, pid: number): Promise<boolean> {
  try {
    const status = await readFile(`${procRoot}/${pid}/status`, "utf8");
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** The process with the largest RSS, never pid 1 (init) or envd itself. */
async function largestProcess(procRoot: string): Promise<{ pid: number; name: string; rss: number } | undefined> {
  let best: { pid: number; name: string; rss: number } | undefined;
  for (const entry of await readdir(procRoot)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try {
      const status = await readFile(`${procRoot}/${pid}/status`, "utf8");
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const name = /Name:\s+(.*)/.exec(status)?.[1] ?? "";
      if (!best || rss > best.rss) best = { pid, name, rss };
    } catch {
      // Exited while we looked.
    }
  }
  return best;
}
