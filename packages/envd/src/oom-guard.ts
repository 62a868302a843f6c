import { readFile, readdir } from "node:fs/promises";
import type { EnvdState } from "./state.js";
import type { Logger } from "./log.js";
import { readMemoryUsage } from "./http/metrics.js";

/** The guard's poll interval while processes run and usage is under half the limit. */
const ACTIVE_INTERVAL_MS = 100;

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
  private dueAt = 0;
  /** Usage the last check read, so the next delay needs no second /proc read. */
  private lastUsed: number | undefined;
  kills = 0;

  constructor(
    private readonly deps: {
      state: EnvdState;
      log: Logger;
      intervalMs?: number;
      procRoot?: string;
      /** Whether envd runs any process for a caller now (the usual source of a hog). */
      active?: () => boolean;
    },
  ) {}

  /**
   * While envd runs processes: every 100 ms under half the limit, faster as usage nears it.
   * A process allocating at full speed gains ~300 MB in a second, more than the host's
   * headroom, so a slower poll lets the host kill the whole sandbox first. Otherwise every
   * second (200 ms, 25 ms near the limit): inside gVisor each /proc read costs the sentry
   * real CPU, and an idle capsule must stay nearly free.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.state.events.on("process", this.onProcess);
    void this.tick();
  }

  stop(): void {
    this.running = false;
    this.deps.state.events.off("process", this.onProcess);
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = async (): Promise<void> => {
    if (!this.running) return;
    const delay = await this.nextDelay();
    if (!this.running) return;
    this.schedule(delay);
  };

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.dueAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check().finally(this.tick);
    }, delay);
    this.timer.unref();
  }

  /** A process started: check within the fast interval, not at the end of an idle wait. */
  private readonly onProcess = (): void => {
    if (this.running && this.timer && this.dueAt - Date.now() > ACTIVE_INTERVAL_MS) this.schedule(ACTIVE_INTERVAL_MS);
  };

  private async nextDelay(): Promise<number> {
    const fixed = this.deps.intervalMs;
    if (fixed !== undefined) return fixed;
    const limit = this.deps.state.memoryLimitBytes;
    if (!limit) return 1000;
    try {
      const used = this.lastUsed ?? (await readMemoryUsage(this.deps.procRoot)).used;
      this.lastUsed = undefined;
      const ratio = used / limit;
      if (this.deps.active?.()) return ratio < 0.5 ? ACTIVE_INTERVAL_MS : ratio < 0.8 ? 50 : 20;
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
      const procRoot = this.deps.procRoot ?? "/proc";
      // Usage stays high until the last victim's memory is freed: killing again meanwhile
      // would take an innocent process (the next command) with it.
      if (this.dying !== undefined && (await isAlive(procRoot, this.dying))) return undefined;
      this.dying = undefined;
      const mem = await readMemoryUsage(this.deps.procRoot);
      this.lastUsed = mem.used;
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
