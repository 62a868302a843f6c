import { readFile, rename, writeFile } from "node:fs/promises";
import { WrennError, isTemplateName } from "@wrenn/core";
import type { Logger } from "./internals.js";

/** Which capsules a pool holds: a request fits when all three match. */
export interface PoolKey {
  template: string;
  vcpus: number;
  memoryMb: number;
}

export interface WarmPoolStatus extends PoolKey {
  size: number;
  ready: number;
  starting: number;
  claimed: number;
  lastError: string;
}

/** What the pools need from the capsule manager. */
export interface SpareHost {
  /** Starts a hidden, running capsule that fits `key`; resolves with its id. */
  start(key: PoolKey): Promise<string>;
  /** Destroys a spare that was never claimed. */
  destroy(id: string): Promise<void>;
}

/** Largest pool per key; a pool holds running capsules, so this is a lot of memory already. */
export const MAX_POOL_SIZE = 64;

interface Pool {
  key: PoolKey;
  size: number;
  ready: string[];
  starting: number;
  claimed: number;
  lastError: string;
  failures: number;
  retryAt: number;
  /** Bumped when the template changes: spares started before are thrown away. */
  generation: number;
}

/**
 * How long a refill waits after a take: the capsule just handed out (its /init, the
 * caller's first command, the control plane's bookkeeping) gets the CPU before a cold start
 * competes with it. A cold start takes several times this long anyway.
 */
const REFILL_DELAY_MS = 300;

const keyOf = (k: PoolKey): string => `${k.template}:${k.vcpus}:${k.memoryMb}`;

/**
 * Warm pools: per (template, vcpus, memory) a number of ready, running capsules that
 * `take` hands out at once, refilled in the background one spare at a time (a cold start
 * is CPU-bound; several at once only slow each other and the capsules in use). A failed
 * refill backs off (1 s doubling to 60 s) and shows in `lastError`. Sizes set at run time
 * are kept in `file`, so they survive an agent restart; spares themselves do not (the
 * next agent removes them and refills).
 */
export class WarmPools {
  private readonly pools = new Map<string, Pool>();
  private filling: Promise<void> | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A refill due shortly after a take. */
  private refillTimer: NodeJS.Timeout | undefined;

  /** The chain of size-file saves (one at a time). */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: SpareHost,
    private readonly log: Logger,
    private readonly file?: string,
  ) {}

  /** Applies saved sizes, else `defaults` (e.g. from WRENN_WARM_POOLS), and starts filling. */
  async start(defaults: (PoolKey & { size: number })[]): Promise<void> {
    const saved = await this.load();
    for (const pool of defaults) if (!saved.some((s) => keyOf(s) === keyOf(pool))) this.configure(pool, pool.size);
    for (const pool of saved) if (pool.size > 0) this.configure(pool, pool.size);
    this.kick();
  }

  /** Sets a pool's size (0 removes the pool and destroys its spares) and saves it. */
  async set(key: PoolKey, size: number): Promise<WarmPoolStatus> {
    if (!Number.isInteger(size) || size < 0 || size > MAX_POOL_SIZE) {
      throw new WrennError("invalid_request", `size must be from 0 to ${MAX_POOL_SIZE}, got ${size}`);
    }
    if (this.closed) throw new WrennError("invalid_state", "the agent is shutting down; warm pools are drained");
    const pool = this.configure(key, size);
    await this.save();
    const surplus = pool.ready.splice(size);
    if (size === 0 && pool.starting === 0) this.pools.delete(keyOf(key));
    this.kick();
    await this.destroyAll(surplus);
    return status(pool);
  }

  list(): WarmPoolStatus[] {
    return [...this.pools.values()].map(status);
  }

  /** A ready spare for `key`, taken for good (no other caller gets it), or undefined. */
  take(key: PoolKey): string | undefined {
    const pool = this.pools.get(keyOf(key));
    const id = pool?.ready.shift();
    if (pool && id) {
      pool.claimed++;
      this.kickSoon();
    }
    return id;
  }

  /** Spares ready or starting, over all pools. */
  count(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.ready.length + pool.starting;
    return n;
  }

  /**
   * The template changed (rebuilt, re-snapshotted) or is gone: its spares are destroyed;
   * with `remove` its pools go too, else they refill from the new version.
   */
  async templateChanged(template: string, remove: boolean): Promise<void> {
    const doomed: string[] = [];
    for (const [k, pool] of this.pools) {
      if (pool.key.template !== template) continue;
      pool.generation++;
      doomed.push(...pool.ready.splice(0));
      if (remove) pool.size = 0;
      if (remove && pool.starting === 0) this.pools.delete(k);
    }
    if (remove) await this.save();
    this.kick();
    await this.destroyAll(doomed);
  }

  /** Stops refilling and destroys every spare (agent shutdown, Terminate). */
  async drain(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    await this.filling;
    await this.destroyAll([...this.pools.values()].flatMap((p) => p.ready.splice(0)));
  }

  /** Starts a refill still waiting after a take, and resolves when none runs (tests and benchmarks). */
  async whenIdle(): Promise<void> {
    if (this.refillTimer) this.refillNow();
    while (this.filling) await this.filling;
  }

  private configure(key: PoolKey, size: number): Pool {
    if (!isTemplateName(key.template)) throw new WrennError("invalid_request", `template "${key.template}" is not a valid template name`);
    let pool = this.pools.get(keyOf(key));
    if (!pool) {
      pool = { key: { ...key }, size, ready: [], starting: 0, claimed: 0, lastError: "", failures: 0, retryAt: 0, generation: 0 };
      this.pools.set(keyOf(key), pool);
    }
    pool.size = size;
    pool.failures = 0;
    pool.retryAt = 0;
    return pool;
  }

  private kick(): void {
    if (this.filling || this.closed) return;
    this.filling = this.fill().finally(() => {
      this.filling = undefined;
    });
  }

  /** kick() after REFILL_DELAY_MS (once, however many takes happen meanwhile). */
  private kickSoon(): void {
    if (this.refillTimer || this.closed) return;
    this.refillTimer = setTimeout(() => this.refillNow(), REFILL_DELAY_MS);
    this.refillTimer.unref();
  }

  private refillNow(): void {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.kick();
  }

  private async fill(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const now = Date.now();
      const pool = [...this.pools.values()].find((p) => p.ready.length + p.starting < p.size && p.retryAt <= now);
      if (!pool) break;
      const generation = pool.generation;
      pool.starting++;
      try {
        const id = await this.host.start(pool.key);
        if (this.closed || generation !== pool.generation || pool.ready.length >= pool.size) {
          await this.host.destroy(id).catch(() => {});
        } else {
          pool.ready.push(id);
        }
        pool.failures = 0;
        pool.lastError = "";
      } catch (err) {
        pool.failures++;
        pool.lastError = (err as Error).message;
        const delayMs = Math.min(60_000, 1000 * 2 ** (pool.failures - 1));
        pool.retryAt = Date.now() + delayMs;
        this.log.warn("could not start a warm-pool capsule; retrying later", { ...pool.key, error: pool.lastError, delayMs });
      } finally {
        pool.starting--;
        if (pool.size === 0 && pool.starting === 0 && pool.ready.length === 0) this.pools.delete(keyOf(pool.key));
      }
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    const due = [...this.pools.values()].filter((p) => p.ready.length + p.starting < p.size).map((p) => p.retryAt);
    if (due.length === 0 || this.closed) return;
    this.retryTimer = setTimeout(() => this.kick(), Math.max(0, Math.min(...due) - Date.now()));
    this.retryTimer.unref();
  }

  private async destroyAll(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map((id) => this.host.destroy(id).catch((err: Error) => this.log.warn("could not destroy a warm-pool capsule", { capsuleId: id, error: err.message }))),
    );
  }

  private async load(): Promise<(PoolKey & { size: number })[]> {
    if (!this.file) return [];
    try {
      const saved = JSON.parse(await readFile(this.file, "utf8")) as (PoolKey & { size: number })[];
      return Array.isArray(saved) ? saved.filter((p) => isTemplateName(p.template) && Number.isInteger(p.size)) : [];
    } catch {
      return [];
    }
  }

  /** Saves the sizes; saves run one after another, each reading the pools when its turn comes. */
  private save(): Promise<void> {
    const run = this.saving.then(() => this.writeSizes());
    this.saving = run.catch(() => undefined);
    return run;
  }

  private async writeSizes(): Promise<void> {
    if (!this.file) return;
    const previous = await this.load();
    // Read the pools only after the await: a pool removed meanwhile must not be written twice.
    const sizes = [...this.pools.values()].map((p) => ({ ...p.key, size: p.size }));
    // Removed pools are kept with size 0, so a default from the environment stays off.
    const removed = previous.filter((s) => !this.pools.has(keyOf(s))).map((s) => ({ ...s, size: 0 }));
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify([...removed, ...sizes], null, 2));
    await rename(tmp, this.file);
  }
}

function status(pool: Pool): WarmPoolStatus {
  return { ...pool.key, size: pool.size, ready: pool.ready.length, starting: pool.starting, claimed: pool.claimed, lastError: pool.lastError };
}

/** Parses `template:vcpus:memory_mb:size[,…]` (WRENN_WARM_POOLS). */
export function parseWarmPools(text: string): (PoolKey & { size: number })[] {
  const out: (PoolKey & { size: number })[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [template = "", vcpus, memoryMb, size] = item.split(":");
    const nums = [vcpus, memoryMb, size].map(Number);
    if (!isTemplateName(template) || nums.some((n) => !Number.isInteger(n) || n < 0) || nums[2]! > MAX_POOL_SIZE) {
      throw new Error(`WRENN_WARM_POOLS item "${item}" must be template:vcpus:memory_mb:size, e.g. "minimal:1:512:2" (size at most ${MAX_POOL_SIZE})`);
    }
    out.push({ template, vcpus: nums[0]!, memoryMb: nums[1]!, size: nums[2]! });
  }
  return out;
}
