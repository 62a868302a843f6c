import type { ExitInfo } from "./exit-status.js";
import { Watcher, type OutputKind, type WatcherItem, type WatcherOwner } from "./watcher.js";

export interface FanoutLimits {
  /** Pause the process while any watcher has more than this many bytes queued. */
  highWaterBytes: number;
  /** Resume once every watcher is at or below this. */
  lowWaterBytes: number;
}

export const defaultFanoutLimits: FanoutLimits = { highWaterBytes: 2 << 20, lowWaterBytes: 512 << 10 };

/**
 * Copies a process's output to every watcher (the same buffers, no copies). Memory stays
 * bounded by backpressure instead of dropping: when a watcher falls behind by more than
 * the high-water mark, `flow(true)` pauses reading the process's output (the kernel pipe
 * then fills and the process blocks on write); `flow(false)` resumes once every watcher
 * has drained to the low-water mark. A watcher that leaves can no longer hold anyone up.
 * With no watchers at all, output is discarded: nobody is there to receive it.
 */
export class Fanout implements WatcherOwner {
  private readonly watchers = new Set<Watcher>();
  private paused = false;
  private ended = false;

  constructor(
    private readonly flow: (paused: boolean) => void,
    private readonly limits: FanoutLimits = defaultFanoutLimits,
  ) {
    if (!(limits.lowWaterBytes >= 0 && limits.lowWaterBytes <= limits.highWaterBytes)) {
      throw new RangeError("lowWaterBytes must be between 0 and highWaterBytes");
    }
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** A new watcher that receives everything published from now on. */
  subscribe(): Watcher {
    const watcher = new Watcher(this);
    this.watchers.add(watcher);
    return watcher;
  }

  publish(kind: OutputKind, data: Buffer): void {
    if (this.ended || data.length === 0) return;
    const item: WatcherItem = { type: "data", kind, data };
    let over = false;
    for (const watcher of this.watchers) {
      watcher.push(item);
      if (watcher.bytes > this.limits.highWaterBytes) over = true;
    }
    if (over && !this.paused) {
      this.paused = true;
      this.flow(true);
    }
  }

  /** The last event: every watcher gets it after all output; nothing is published after. */
  end(exit: ExitInfo): void {
    if (this.ended) return;
    this.ended = true;
    const item: WatcherItem = { type: "end", exit };
    for (const watcher of this.watchers) watcher.push(item);
  }

  drained(watcher: Watcher): void {
    if (this.paused && watcher.bytes <= this.limits.lowWaterBytes) this.maybeResume();
  }

  detach(watcher: Watcher): void {
    this.watchers.delete(watcher);
    if (this.paused) this.maybeResume();
  }

  private maybeResume(): void {
    for (const watcher of this.watchers) if (watcher.bytes > this.limits.lowWaterBytes) return;
    this.paused = false;
    if (!this.ended) this.flow(false);
  }
}
