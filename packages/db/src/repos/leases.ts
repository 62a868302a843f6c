import { sql, type Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Leases on named background jobs, so that of several control-plane replicas on one
 * database exactly one runs each job at a time. A lease is taken when free or expired and
 * renewed by its holder; one statement decides, so two replicas can never both win.
 * Returns true when `holder` holds the lease for the next `ttlMs`.
 */
export async function acquireLease(db: Kysely<Database>, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const until = sql<Date>`now() + ${`${Math.max(1, Math.round(ttlMs))} milliseconds`}::interval`;
  const row = await db
    .insertInto("worker_leases")
    .values({ name, holder, expires_at: until, runs: sql`1` as never })
    .onConflict((oc) =>
      oc
        .column("name")
        .doUpdateSet({ holder, expires_at: until, runs: sql`worker_leases.runs + 1` as never })
        .where((eb) => eb.or([eb("worker_leases.holder", "=", holder), eb("worker_leases.expires_at", "<", sql<Date>`now()`)])),
    )
    .returning("holder")
    .executeTakeFirst();
  return row?.holder === holder;
}

/** Gives a lease up early (clean shutdown), so another replica takes over at once. */
export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<void> {
  await db.deleteFrom("worker_leases").where("name", "=", name).where("holder", "=", holder).execute();
}

export async function leaseHolder(db: Kysely<Database>, name: string): Promise<{ holder: string; expiresAt: Date; runs: number } | undefined> {
  const row = await db.selectFrom("worker_leases").selectAll().where("name", "=", name).where("expires_at", ">", sql<Date>`now()`).executeTakeFirst();
  return row ? { holder: row.holder, expiresAt: row.expires_at, runs: Number(row.runs) } : undefined;
}
