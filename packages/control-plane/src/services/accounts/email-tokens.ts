import { WrennError } from "@wrenn/core";
import { consumeOneTimeToken, insertOneTimeToken, type Database, type TokenKind } from "@wrenn/db";
import type { Kysely } from "kysely";
import { generateToken, sha256Hex } from "../../auth/secrets.js";

/** How long e-mailed links work. */
export const tokenTtlMs: Record<"activation" | "password_reset", number> = {
  activation: 24 * 3600_000,
  password_reset: 15 * 60_000,
};

type Reason = "unknown" | "used" | "expired";

/** What to tell the holder of a token that did not work, and what to do next. */
const failure: Record<"activation" | "password_reset", Record<Reason, string>> = {
  activation: {
    unknown: "this activation link is not valid; copy the whole link from the e-mail",
    used: "this activation link has already been used; log in with POST /v1/auth/login",
    expired: "this activation link has expired (links last 24 hours); sign up again with the same address to get a new one",
  },
  password_reset: {
    unknown: "this password reset link is not valid; copy the whole link from the e-mail",
    used: "this password reset link has already been used; request a new one with POST /v1/me/password/reset",
    expired: "this password reset link has expired (links last 15 minutes); request a new one with POST /v1/me/password/reset",
  },
};

/** A new single-use token for an e-mailed link; only its hash is stored. Returns the plaintext. */
export async function issueEmailToken(db: Kysely<Database>, kind: "activation" | "password_reset", userId: string): Promise<string> {
  const token = generateToken();
  await insertOneTimeToken(db, { hash: token.hash, kind, userId, expiresAt: new Date(Date.now() + tokenTtlMs[kind]) });
  return token.plaintext;
}

/** Redeems an e-mailed token exactly once and returns its user; otherwise a 400 that says why. */
export async function redeemEmailToken(db: Kysely<Database>, kind: "activation" | "password_reset", plaintext: string): Promise<string> {
  const result = await consumeOneTimeToken(db, sha256Hex(plaintext), kind as TokenKind, new Date());
  if (!result.ok) throw new WrennError("invalid_request", failure[kind][result.reason]);
  if (!result.token.user_id) throw new WrennError("invalid_request", failure[kind].unknown);
  return result.token.user_id;
}
