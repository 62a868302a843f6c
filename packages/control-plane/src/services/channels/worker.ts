/**
 * The delivery worker: claims due deliveries from the outbox, sends them, and records the
 * outcome. Several workers (one per control-plane replica) share one queue: a claim is an
 * UPDATE over `FOR UPDATE SKIP LOCKED` rows with a lease longer than the send timeout, and
 * the outcome is written only while the claim is still this worker's.
 */
import { randomUUID } from "node:crypto";
import { claimDueDeliveries, finishDelivery, pruneEvents, type ClaimedDelivery, type DeliveryOutcome } from "@wrenn/db";
import type { Logger } from "pino";
import type { Deps } from "../../deps.js";
import type { AnyEventType } from "./events.js";
import { DEFAULT_SEND_TIMEOUT_MS, DEFAULT_TELEGRAM_API_URL, sendToChannel } from "./send.js";
import { openConfig } from "./stored-config.js";

/** Waits before retry n (after attempt n); after the last one the delivery is `failed`. */
export const RETRY_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 3_600_000];
/** Events whose deliveries are all settled are deleted after this long. */
const EVENT_RETENTION_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

export interface ChannelDeliveryOptions {
  log: Pick<Logger, "info" | "warn" | "error" | "debug">;
  /** Pause between polls when the queue is empty (default 1000 ms). */
  intervalMs?: number;
  /** Deliveries claimed (and sent in parallel) per pass (default 20). */
  batchSize?: number;
  /** Per-send timeout (default 10 s). */
  timeoutMs?: number;
}

export interface ChannelDelivery {
  /** One pass: claims and sends what is due; resolves to the number of deliveries handled. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for sends in flight. */
  stop(): Promise<void>;
}

export function startChannelDelivery(deps: Deps, options: ChannelDeliveryOptions): ChannelDelivery {
  const { log } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 20;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  // The lease outlives any send, so a live worker's claim never expires under it.
  const leaseMs = timeoutMs * 3 + 30_000;
  const telegramApiUrl = deps.config.telegramApiUrl ?? DEFAULT_TELEGRAM_API_URL;
  const workerId = randomUUID();
  let passes = 0;
  let stopped = false;
  let lastPrune = 0;
  let wake: (() => void) | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  async function deliver(d: ClaimedDelivery): Promise<void> {
    const outcome = await outcomeOf(d);
    const kept = await finishDelivery(deps.db, d.id, d.claim_token, outcome);
    if (!kept) log.warn({ delivery: d.id, channel: d.channel_id }, "a delivery's claim expired before its outcome was recorded");
    else if (outcome.status !== "delivered") {
      log.info({ delivery: d.id, channel: d.channel_id, event: d.event_type, attempts: d.attempts, status: outcome.status, error: outcome.error }, "channel delivery failed");
    }
  }

  async function outcomeOf(d: ClaimedDelivery): Promise<DeliveryOutcome> {
    if (!d.channel_enabled) return { status: "failed", statusCode: null, error: "the channel was disabled before this event was sent" };
    let config;
    try {
      config = openConfig(deps.config.encryptionKey, d.channel_id, d.config_encrypted);
    } catch (err) {
      // Retried like a send failure: a replica holding the right key may take the next attempt.
      return retryOrFail(d, null, (err as Error).message);
    }
    const payload = {
      id: d.event_id,
      type: d.event_type as AnyEventType,
      created_at: new Date(d.event_created_at).toISOString(),
      team_id: d.event_team_id,
      resource_id: d.resource_id,
      data: d.data,
    };
    const result = await sendToChannel(d.provider, config, payload, d.id, { timeoutMs, telegramApiUrl, allowPrivate: deps.config.channelsAllowPrivate });
    const statusCode = result.status_code ?? null;
    if (result.ok) return { status: "delivered", statusCode };
    return retryOrFail(d, statusCode, result.error ?? "delivery failed");
  }

  function retryOrFail(d: ClaimedDelivery, statusCode: number | null, error: string): DeliveryOutcome {
    const backoff = RETRY_BACKOFF_MS[d.attempts - 1];
    if (backoff === undefined) return { status: "failed", statusCode, error: `${error} (gave up after ${d.attempts} attempts)` };
    return { status: "pending", retryAt: new Date(Date.now() + backoff), statusCode, error };
  }

  async function pass(): Promise<number> {
    const claimed = await claimDueDeliveries(deps.db, { limit: batchSize, leaseMs, claimToken: `${workerId}:${passes++}` });
    await Promise.all(claimed.map((d) => deliver(d).catch((err: unknown) => log.error({ err, delivery: d.id }, "recording a delivery failed"))));
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      const pruned = await pruneEvents(deps.db, new Date(Date.now() - EVENT_RETENTION_MS));
      if (pruned) log.debug({ pruned }, "old events pruned");
    }
    return claimed.length;
  }

  const loop = (async () => {
    while (!stopped) {
      let handled = 0;
      try {
        handled = await track(pass());
      } catch (err) {
        if (!stopped) log.warn({ err }, "channel delivery pass failed; retrying");
      }
      if (stopped) break;
      // A full batch means more may be due: go again at once.
      if (handled < batchSize) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  })();

  return {
    runOnce: () => track(pass()),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
