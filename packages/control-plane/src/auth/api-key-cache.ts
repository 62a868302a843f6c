import type { ApiKey } from "@wrenn/db";

/** The notification channel that migration 0006 fires when a key may have become invalid. */
export const CREDENTIALS_CHANNEL = "wrenn_credentials";

/** Minimum interval between `last_used_at` writes for one key. */
const TOUCH_INTERVAL_MS = 30_000;

export interface ApiKeyCacheOptions {
  /** Longest an entry is trusted without a database read (a net under the notifications). */
  maxAgeMs?: number;
  maxEntries?: number;
}

/**
 * Active API keys this replica resolved recently, by key hash, so a request with a known
 * key skips the database. Correct only while the database's change notifications reach
 * this process: it keeps entries only while `live`, and every notification (any replica
 * revoked a key or deleted a team) empties it. A lookup that was in flight when it was
 * emptied does not store its possibly stale answer. Unknown and revoked keys are never
 * stored: they always cost a read.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, { key: ApiKey; at: number }>();
  /** When each key's use was last written (survives `forget`: it is bookkeeping, not trust). */
  readonly #touched = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  #generation = 0;
  #live = false;

  constructor(options: ApiKeyCacheOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** Whether entries are kept (notifications are flowing). */
  get live(): boolean {
    return this.#live;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Notifications arrive from now on: entries may be kept. */
  resume(): void {
    this.forget();
    this.#live = this.#maxAgeMs > 0;
  }

  /** Notifications may be missed from now on: keep nothing until `resume`. */
  suspend(): void {
    this.#live = false;
    this.forget();
  }

  /** Drops every entry: some key or team changed. */
  forget(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /**
   * Whether a use of key `id` at `now` is due to be written to `last_used_at` (at most every
   * 30 s per key); says yes once and then not again for the interval. Past `maxEntries` keys
   * it starts over, costing one extra write per key.
   */
  dueForTouch(id: string, now: number): boolean {
    if ((this.#touched.get(id) ?? 0) + TOUCH_INTERVAL_MS >= now) return false;
    if (this.#touched.size >= this.#maxEntries) this.#touched.clear();
    this.#touched.set(id, now);
    return true;
  }

  /** The active key with this hash: from memory when known and fresh, else from `load`. */
  async resolve(hash: string, load: () => Promise<ApiKey | undefined>): Promise<ApiKey | undefined> {
    const now = Date.now();
    const entry = this.#live ? this.#entries.get(hash) : undefined;
    if (entry && now - entry.at < this.#maxAgeMs) return entry.key;
    const generation = this.#generation;
    const key = await load();
    if (key && this.#live && generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(hash, { key, at: now });
    }
    return key;
  }
}
