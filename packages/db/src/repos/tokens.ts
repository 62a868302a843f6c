import type { Kysely } from "kysely";
import type { Database, TokenKind } from "../schema.js";

type Db = Kysely<Database>;

export interface OneTimeToken {
  token_hash: string;
  kind: TokenKind;
  user_id: string | null;
  host_id: string | null;
  expires_at: Date;
  used_at: Date | null;
}

export async function insertOneTimeToken(
  db: Db,
  token: { hash: string; kind: TokenKind; userId?: string | null; hostId?: string | null; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto("one_time_tokens")
    .values({ token_hash: token.hash, kind: token.kind, user_id: token.userId ?? null, host_id: token.hostId ?? null, expires_at: token.expiresAt, used_at: null })
    .execute();
}

export type ConsumeResult = { ok: true; token: OneTimeToken } | { ok: false; reason: "unknown" | "used" | "expired" };

/**
 * Marks a token used if it is of this kind, unused and unexpired, in one statement, so two
 * concurrent redemptions cannot both succeed. On failure says why (for a useful message).
 */
export async function consumeOneTimeToken(db: Db, hash: string, kind: TokenKind, now: Date): Promise<ConsumeResult> {
  const used = await db
    .updateTable("one_time_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", hash)
    .where("kind", "=", kind)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning(["token_hash", "kind", "user_id", "host_id", "expires_at", "used_at"])
    .executeTakeFirst();
  if (used) return { ok: true, token: used };
  const row = await db.selectFrom("one_time_tokens").select(["used_at", "expires_at"]).where("token_hash", "=", hash).where("kind", "=", kind).executeTakeFirst();
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: row.used_at ? "used" : "expired" };
}

/** Retires a user's outstanding tokens of a kind (e.g. older reset links once one was used). */
export async function retireUserTokens(db: Db, userId: string, kind: TokenKind, now: Date): Promise<void> {
  await db.updateTable("one_time_tokens").set({ used_at: now }).where("user_id", "=", userId).where("kind", "=", kind).where("used_at", "is", null).execute();
}
