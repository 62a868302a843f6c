/**
 * Platform events and how they enter the outbox. `publishEvent` only writes rows (the event
 * and its pending deliveries, in one statement); sending happens in the delivery worker, so
 * a slow or failing receiver never affects the operation that raised the event.
 */
import { insertEventWithDeliveries, type Database } from "@wrenn/db";
import type { Kysely, Transaction } from "kysely";

/** The event types a channel can subscribe to. */
export const eventTypes = [
  "capsule.created",
  "capsule.running",
  "capsule.paused",
  "capsule.destroyed",
  "template.snapshot.created",
  "template.snapshot.deleted",
  "host.up",
  "host.down",
] as const;

export type EventType = (typeof eventTypes)[number];
/** Also `test`: sent by POST /v1/channels/test, never queued. */
export type AnyEventType = EventType | "test";

export interface PlatformEvent {
  type: EventType;
  /** The team the resource belongs to; null for platform events (shared hosts). */
  teamId: string | null;
  resourceId: string;
  data: Record<string, unknown>;
}

/**
 * Queues `event` for every enabled channel subscribed to it: the team's channels, or for
 * `teamId: null` the channels with scope `platform`. Pass the caller's transaction to make
 * the event part of the state change that caused it. Returns nothing; cheap when no channel
 * listens (nothing is written).
 */
export async function publishEvent(db: Kysely<Database> | Transaction<Database>, event: PlatformEvent): Promise<void> {
  await insertEventWithDeliveries(db, event);
}
