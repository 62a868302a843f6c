import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import type { Logger } from "./log.js";
import type { EnvdState } from "./state.js";
import { readMemoryUsage, type MemoryUsage } from "./http/metrics.js";

/**
 * Drops the guest page cache; resolves false when the kernel does not let us (no
 * /proc/sys/vm/drop_caches under gVisor, not root in --dev). Injected so the reclaimer
 * and `/snapshot/prepare` share one implementation and tests can swap it.
 */
export type DropPageCache = () => Promise<boolean>;

export const dropPageCache: DropPageCache = async () => {
  try {
    // "3": page cache plus reclaimable slab (dentries, inodes). Dirty pages stay.
    await writeFile("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
};

/** Flushes dirty pages to disk (`sync`), so a following drop frees as much as it can. */
export function syncFilesystems(timeoutMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("sync", { timeout: timeoutMs }, (err) => resolve(!err));
  });
}

export interface ReclaimerOptions {
  state: EnvdState;
  log: Logger;
  intervalMs: number;
  /** Drop when `used / total` reaches this share, in percent. */
  thresholdPct: number;
  drop?: DropPageCache;
  readMemory?: () => Promise<MemoryUsage>;
  /** Called after each successful drop (GuestMetrics counts them). */
  onDrop?: () => void;
}

/**
 * Keeps guest memory from filling with page cache: the host sees a capsule's page cache
 * as used memory and a snapshot would store it. Never runs while a snapshot is being
 * prepared (`state.quiesced`), so the memory image stays still until the next `/init`.
 */
export class Reclaimer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private warned = false;
  private readonly drop: DropPageCache;
  private readonly readMemory: () => Promise<MemoryUsage>;

  constructor(private readonly options: ReclaimerOptions) {
    this.drop = options.drop ?? dropPageCache;
    this.readMemory = options.readMemory ?? (() => readMemoryUsage());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One check; exposed so the decision can be tested without timers. Returns whether it dropped. */
  async tick(): Promise<boolean> {
    const { state, log, thresholdPct } = this.options;
    if (state.quiesced) return false;
    const mem = await this.readMemory();
    if (mem.total <= 0 || (mem.used / mem.total) * 100 < thresholdPct) return false;
    // The read above is async: a /snapshot/prepare may have arrived meanwhile.
    if (state.quiesced) return false;
    if (!(await this.drop())) {
      if (!this.warned) log.warn("reclaimer cannot drop the page cache; will keep trying quietly");
      this.warned = true;
      return false;
    }
    this.options.onDrop?.();
    return true;
  }

  private schedule(): void {
    if (!this.running) return;
    // A chain of timeouts, not an interval: a slow drop never overlaps the next one.
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err: unknown) => this.options.log.warn("reclaimer check failed", { error: String(err) }))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
