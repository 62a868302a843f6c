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
  kills = 0;

  constructor(
    private readonly deps: { state: EnvdState; log: Logger; intervalMs?: number; procRoot?: string },
  ) {}

  /**
   * Polls fast only when it matters: every second while usage is under half the limit,
   * then faster as it approaches (inside gVisor every /proc read is a costly syscall, and
   * an idle capsule must stay nearly free).
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
      return ratio < 0.5 ? 1000 : ratio < 0.8 ? 200 : 25;
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
      const mem = await readMemoryUsage(this.deps.procRoot);
      if (mem.used <= limit) return undefined;
      const victim = await largestProcess(this.deps.procRoot ?? "/proc");
      if (!victim) return undefined;
      process.kill(victim.pid, "SIGKILL");
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
