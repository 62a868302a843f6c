import { newId } from "@wrenn/core";
import type { Database } from "@wrenn/db";
import type { Kysely } from "kysely";

/**
 * The hosts row for the single configured agent (until the fleet issue adds registration):
 * found by address, created on first start.
 */
export async function ensureLocalHost(db: Kysely<Database>, address: string): Promise<string> {
  const existing = await db.selectFrom("hosts").select("id").where("address", "=", address).where("deleted_at", "is", null).executeTakeFirst();
  if (existing) {
    await db.updateTable("hosts").set({ status: "online", last_heartbeat_at: new Date() }).where("id", "=", existing.id).execute();
    return existing.id;
  }
  const id = newId("host");
  await db.insertInto("hosts").values({ id, address, status: "online", team_id: null, last_heartbeat_at: new Date(), deleted_at: null }).execute();
  return id;
}
