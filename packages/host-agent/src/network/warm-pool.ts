import type { BlankPair, CapsuleNetns } from "./capsule-netns.js";
import type { NetworkLog } from "./types.js";

/**
 * Keeps `size` blank namespace+veth pairs ready so that creating or renewing a capsule
 * network only has to claim one (~1 ms) instead of making one (~5 ms, two `ip`
 * sessions and a process spawn). Refills in the background, one pair at a time, after
 * every take; nothing here keeps the process alive.
 */
export class WarmPool {
  private readonly ready: BlankPair[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;
  private failures = 0;

  constructor(
    private readonly size: number,
    private readonly netns: CapsuleNetns,
    private readonly log: NetworkLog,
  ) {}

  get available(): number {
    return this.ready.length;
  }

  start(): void {
    this.kick();
  }

  /** A ready pair, or undefined when the pool is empty (the caller makes one itself). */
  take(): BlankPair | undefined {
    let pair = this.ready.shift();
    while (pair && !pair.helper.alive) {
      void this.netns.discardBlank(pair).catch(() => {});
      pair = this.ready.shift();
    }
    this.kick();
    return pair;
  }

  /** Resolves when the pool is full and idle, or refilling failed (for tests and benchmarks). */
  async whenFull(): Promise<void> {
    while (this.filling) await this.filling;
  }

  /** Stops refilling and removes the ready pairs. */
  async drain(): Promise<void> {
    this.closed = true;
    await this.filling;
    await Promise.allSettled(this.ready.splice(0).map((p) => this.netns.discardBlank(p)));
  }

  private kick(): void {
    if (this.filling || this.closed || this.ready.length >= this.size) return;
    this.filling = this.fill().finally(() => {
      this.filling = undefined;
    });
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.ready.length < this.size) {
      try {
        const pair = await this.netns.makeBlank();
        if (this.closed) {
          await this.netns.discardBlank(pair).catch(() => {});
          return;
        }
        this.ready.push(pair);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const delayMs = Math.min(30_000, 250 * 2 ** this.failures);
        this.log.warn("could not make a warm network pair; retrying", { error: (err as Error).message, delayMs });
        setTimeout(() => this.kick(), delayMs).unref();
        return;
      }
    }
  }
}
