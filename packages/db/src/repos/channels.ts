import { sql, type Insertable, type Kysely, type RawBuilder } from "kysely";
import type { Channel, ChannelProvider, ChannelsTable, Database, DeliveryStatus, EventDelivery } from "../schema.js";

type Db = Kysely<Database>;

export type NewChannel = Insertable<ChannelsTable>;

export interface ChannelPatch {
  name?: string;
  configEncrypted?: string;
  events?: string[];
  enabled?: boolean;
}

export async function insertChannel(db: Db, channel: NewChannel): Promise<Channel> {
  return db.insertInto("channels").values(channel).returningAll().executeTakeFirstOrThrow();
}

/** One channel of a team; other teams' channels are not found. */
export async function findChannel(db: Db, teamId: string, id: string): Promise<Channel | undefined> {
  return db.selectFrom("channels").selectAll().where("id", "=", id).where("team_id", "=", teamId).executeTakeFirst();
}

export async function listChannels(db: Db, teamId: string): Promise<Channel[]> {
  return db.selectFrom("channels").selectAll().where("team_id", "=", teamId).orderBy("created_at").orderBy("id").execute();
}

export async function updateChannel(db: Db, teamId: string, id: string, patch: ChannelPatch): Promise<Channel | undefined> {
  return db
    .updateTable("channels")
    .set({
      updated_at: new Date(),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.configEncrypted !== undefined ? { config_encrypted: patch.configEncrypted } : {}),
      ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    })
    .where("id", "=", id)
    .where("team_id", "=", teamId)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a channel and (by cascade) its deliveries; false when the team has no such channel. */
export async function deleteChannel(db: Db, teamId: string, id: string): Promise<boolean> {
  const rows = await db.deleteFrom("channels").where("id", "=", id).where("team_id", "=", teamId).returning("id").execute();
  return rows.length > 0;
}

export interface NewEvent {
  type: string;
  /** null = a platform event (for channels with scope `platform`). */
  teamId: string | null;
  resourceId: string;
  data: Record<string, unknown>;
}

/**
 * The common table expressions that record `event` and one pending delivery per enabled
 * channel subscribed to it (names suffixed with `tag`). `onlyIf`, a CTE name, makes the
 * writes depend on that CTE returning a row. Nothing is written when no channel listens.
 */
export function eventWithDeliveriesCtes(event: NewEvent, tag: string, onlyIf?: string): RawBuilder<unknown> {
  const audience =
    event.teamId === null ? sql`c.scope = 'platform'` : sql`c.team_id = ${event.teamId} AND c.scope = 'team'`;
  const targets = sql.raw(`targets_${tag}`);
  const ev = sql.raw(`ev_${tag}`);
  const condition = onlyIf ? sql`AND EXISTS (SELECT 1 FROM ${sql.raw(onlyIf)})` : sql``;
  return sql`${targets} AS (
      SELECT c.id FROM channels c
      WHERE c.enabled AND c.events @> jsonb_build_array(${event.type}::text) AND ${audience}
    ), ${ev} AS (
      INSERT INTO events (type, team_id, resource_id, data)
      SELECT ${event.type}::text, ${event.teamId}::text, ${event.resourceId}::text, ${JSON.stringify(event.data)}::jsonb
      WHERE EXISTS (SELECT 1 FROM ${targets}) ${condition}
      RETURNING id
    ), ${sql.raw(`deliveries_${tag}`)} AS (
      INSERT INTO event_deliveries (event_id, channel_id)
      SELECT ${ev}.id, ${targets}.id FROM ${ev} CROSS JOIN ${targets}
      RETURNING id
    )`;
}

/**
 * Records an event and one pending delivery per enabled channel subscribed to it, in one
 * statement (atomic without a transaction, and part of the caller's one when given a
 * Transaction). Nothing is written when no channel listens. Returns the deliveries queued.
 */
export async function insertEventWithDeliveries(db: Db, event: NewEvent): Promise<number> {
  const result = await sql<{ id: string }>`WITH ${eventWithDeliveriesCtes(event, "0")} SELECT id FROM deliveries_0`.execute(db);
  return result.rows.length;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  claim_token: string;
  event_id: string;
  event_type: string;
  event_team_id: string | null;
  resource_id: string;
  data: Record<string, unknown>;
  event_created_at: Date;
  channel_id: string;
  provider: ChannelProvider;
  config_encrypted: string;
  channel_enabled: boolean;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`: pending ones whose time has come and
 * sending ones whose claim expired (a worker that died mid-send). SKIP LOCKED lets several
 * workers share the queue; the lease (next_attempt_at) keeps a claimed row from being taken
 * again while it is being sent. Each claim counts as an attempt.
 */
export async function claimDueDeliveries(db: Db, options: { limit: number; leaseMs: number; claimToken: string }): Promise<ClaimedDelivery[]> {
  const result = await sql<ClaimedDelivery>`
    WITH due AS (
      SELECT id FROM event_deliveries
      WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
      ORDER BY next_attempt_at, id
      LIMIT ${options.limit}::integer
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE event_deliveries d
      SET status = 'sending', claim_token = ${options.claimToken}, attempts = d.attempts + 1,
          last_attempt_at = now(), next_attempt_at = now() + ${options.leaseMs}::integer * interval '1 millisecond'
      FROM due WHERE d.id = due.id
      RETURNING d.id, d.attempts, d.claim_token, d.event_id, d.channel_id
    )
    SELECT claimed.id::text AS id, claimed.attempts, claimed.claim_token, claimed.event_id::text AS event_id,
           e.type AS event_type, e.team_id AS event_team_id, e.resource_id, e.data, e.created_at AS event_created_at,
           claimed.channel_id, c.provider, c.config_encrypted, c.enabled AS channel_enabled
    FROM claimed
    JOIN events e ON e.id = claimed.event_id
    JOIN channels c ON c.id = claimed.channel_id`.execute(db);
  return result.rows;
}

export type DeliveryOutcome =
  | { status: "delivered"; statusCode: number | null }
  | { status: "pending"; retryAt: Date; statusCode: number | null; error: string }
  | { status: "failed"; statusCode: number | null; error: string };

/**
 * Records the outcome of a claimed delivery, only while the claim is still this worker's
 * (a lease that ran out may have passed the row on). False when the claim was lost.
 */
export async function finishDelivery(db: Db, id: string, claimToken: string, outcome: DeliveryOutcome): Promise<boolean> {
  const now = new Date();
  const rows = await db
    .updateTable("event_deliveries")
    .set({
      status: outcome.status,
      claim_token: null,
      last_status_code: outcome.statusCode,
      last_error: outcome.status === "delivered" ? null : outcome.error,
      delivered_at: outcome.status === "delivered" ? now : null,
      next_attempt_at: outcome.status === "pending" ? outcome.retryAt : now,
    })
    .where("id", "=", id)
    .where("claim_token", "=", claimToken)
    .where("status", "=", "sending")
    .returning("id")
    .execute();
  return rows.length > 0;
}

export type DeliveryWithEvent = EventDelivery & { event_type: string; resource_id: string };

/** A channel's most recent deliveries, newest first. */
export async function listDeliveries(db: Db, channelId: string, limit: number): Promise<DeliveryWithEvent[]> {
  return db
    .selectFrom("event_deliveries as d")
    .innerJoin("events as e", "e.id", "d.event_id")
    .selectAll("d")
    .select(["e.type as event_type", "e.resource_id"])
    .where("d.channel_id", "=", channelId)
    .orderBy("d.created_at", "desc")
    .orderBy("d.id", "desc")
    .limit(limit)
    .execute();
}

/** Counts of a channel's deliveries by status (for tests and dashboards). */
export async function countDeliveriesByStatus(db: Db, channelId: string): Promise<Partial<Record<DeliveryStatus, number>>> {
  const rows = await db
    .selectFrom("event_deliveries")
    .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("channel_id", "=", channelId)
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Deletes events (and their deliveries) older than `before` that have nothing left to send. */
export async function pruneEvents(db: Db, before: Date): Promise<number> {
  const rows = await db
    .deleteFrom("events")
    .where("created_at", "<", before)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("event_deliveries")
            .select("event_deliveries.id")
            .whereRef("event_deliveries.event_id", "=", "events.id")
            .where("event_deliveries.status", "in", ["pending", "sending"]),
        ),
      ),
    )
    .returning("id")
    .execute();
  return rows.length;
}
