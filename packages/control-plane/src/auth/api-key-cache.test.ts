import type { ApiKey } from "@wrenn/db";
import { describe, expect, it } from "vitest";
import { ApiKeyCache } from "./api-key-cache.js";

const key = (id: string): ApiKey => ({ id, team_id: "team-1", name: id, key_hash: `hash-${id}`, key_prefix: "wrn_0000", created_by: null, created_at: new Date(), last_used_at: null, revoked_at: null });

/** A loader that counts its reads and answers with whatever `answer` holds. */
function loader(answer: ApiKey | undefined) {
  const calls = { n: 0, answer };
  return Object.assign(async () => {
    calls.n++;
    return calls.answer;
  }, { calls });
}

describe("ApiKeyCache", () => {
  it("keeps nothing until notifications are live, and again once they are lost", async () => {
    const cache = new ApiKeyCache();
    const load = loader(key("a"));
    await cache.resolve("h", load);
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(2);
    cache.resume();
    await cache.resolve("h", load);
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(3);
    cache.suspend();
    expect(cache.size).toBe(0);
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(4);
    expect(cache.live).toBe(false);
  });

  it("forget() empties it: a revoked key is read again and refused", async () => {
    const cache = new ApiKeyCache();
    cache.resume();
    const load = loader(key("a"));
    expect(await cache.resolve("h", load)).toMatchObject({ id: "a" });
    load.calls.answer = undefined; // revoked in the database
    expect(await cache.resolve("h", load)).toMatchObject({ id: "a" });
    cache.forget();
    expect(await cache.resolve("h", load)).toBeUndefined();
    expect(load.calls.n).toBe(2);
  });

  it("never stores unknown keys", async () => {
    const cache = new ApiKeyCache();
    cache.resume();
    const load = loader(undefined);
    await cache.resolve("h", load);
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("does not store an answer read before a forget() that came while it was in flight", async () => {
    const cache = new ApiKeyCache();
    cache.resume();
    let release!: () => void;
    const slow = cache.resolve("h", () => new Promise<ApiKey>((resolve) => (release = () => resolve(key("a")))));
    await Promise.resolve();
    cache.forget(); // the key was revoked while the read was under way
    release();
    expect(await slow).toMatchObject({ id: "a" });
    expect(cache.size).toBe(0);
  });

  it("reads the database again once an entry is older than maxAgeMs, and never with maxAgeMs 0", async () => {
    const cache = new ApiKeyCache({ maxAgeMs: 30 });
    cache.resume();
    const load = loader(key("a"));
    await cache.resolve("h", load);
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await cache.resolve("h", load);
    expect(load.calls.n).toBe(2);

    const off = new ApiKeyCache({ maxAgeMs: 0 });
    off.resume();
    expect(off.live).toBe(false);
  });

  it("starts over past maxEntries", async () => {
    const cache = new ApiKeyCache({ maxEntries: 2 });
    cache.resume();
    for (const id of ["a", "b", "c"]) await cache.resolve(id, loader(key(id)));
    expect(cache.size).toBe(1);
  });
});

describe("ApiKeyCache.dueForTouch", () => {
  it("says a key's use is due once per 30 s, whether or not keys are kept", () => {
    const cache = new ApiKeyCache();
    expect(cache.dueForTouch("a", 1_000_000)).toBe(true);
    expect(cache.dueForTouch("a", 1_010_000)).toBe(false);
    expect(cache.dueForTouch("b", 1_010_000)).toBe(true);
    cache.forget();
    expect(cache.dueForTouch("a", 1_020_000)).toBe(false);
    expect(cache.dueForTouch("a", 1_030_001)).toBe(true);
  });
});
