import { newId } from "@wrenn/core";
import type { Database } from "@wrenn/db";
import type { Kysely } from "kysely";

/**
 * The hosts row of the static agent (WRENN_AGENT_URL: `wrenn up`, simple split mode),
 * found by address, created on first start. It is marked online now; the host monitor
 * probes it from then on (its stats are its heartbeat).
 */
export async function ensureLocalHost(db: Kysely<Database>, address: string): Promise<string> {
  const existing = await db.selectFrom("hosts").select("id").where("address", "=", address).where("mode", "=", "static").where("deleted_at", "is", null).executeTakeFirst();
  if (existing) {
    await db.updateTable("hosts").set({ status: "online", last_heartbeat_at: new Date() }).where("id", "=", existing.id).execute();
    return existing.id;
  }
  const id = newId("host");
  await db.insertInto("hosts").values({ id, address, status: "online", mode: "static", team_id: null, last_heartbeat_at: new Date(), deleted_at: null }).execute();
  return id;
}
