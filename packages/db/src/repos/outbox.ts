import type { Kysely, Selectable } from "kysely";
import type { Database, EmailOutboxTable } from "../schema.js";

type Db = Kysely<Database>;

export type OutboxMessage = Selectable<EmailOutboxTable>;

/**
 * Recent messages from the e-mail outbox, newest first, optionally for one address. Without
 * SMTP this is where activation and reset links are read (e.g. by `wrenn` on the host).
 */
export async function listOutboxMessages(db: Db, filter: { to?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
  let q = db.selectFrom("email_outbox").selectAll();
  if (filter.to !== undefined) q = q.where((eb) => eb(eb.fn("lower", ["to_address"]), "=", filter.to!.toLowerCase()));
  return q.orderBy("id", "desc").limit(filter.limit ?? 50).execute();
}
