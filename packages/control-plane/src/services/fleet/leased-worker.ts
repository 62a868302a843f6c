import { acquireLease, releaseLease } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { Deps } from "../../deps.js";

export interface LeasedWorker {
  /** One pass now, lease or not (tests call this instead of waiting). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A periodic background job that runs on one control-plane replica at a time: each tick
 * takes (or renews) the job's lease in the database and runs only while holding it. A
 * replica that dies loses the lease when it expires, and another takes over. Passes never
 * overlap within a replica; a failed pass is logged and the next one runs on time.
 */
export function startLeasedWorker(deps: Deps, options: { name: string; intervalMs: number; log: FastifyBaseLogger; run: () => Promise<unknown> }): LeasedWorker {
  const { name, intervalMs, log } = options;
  // Long enough to survive a slow pass, short enough that a dead holder is replaced soon.
  const ttlMs = Math.max(intervalMs * 3, 15_000);
  let inFlight: Promise<void> | undefined;
  let held = false;
  const runOnce = async (): Promise<void> => {
    while (inFlight) await inFlight.catch(() => {});
    inFlight = options
      .run()
      .then(() => undefined)
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
  const tick = async (): Promise<void> => {
    held = await acquireLease(deps.db, name, deps.replicaId, ttlMs);
    if (held) await runOnce();
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    tick().catch((err: unknown) => log.warn({ err, worker: name }, "background pass failed; the next one runs on time"));
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await inFlight?.catch(() => {});
      if (held) await releaseLease(deps.db, name, deps.replicaId).catch(() => {});
    },
  };
}
