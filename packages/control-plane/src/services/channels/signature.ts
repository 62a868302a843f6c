/**
 * Webhook signatures: `X-Wrenn-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `X-Wrenn-Timestamp` in unix seconds, so a receiver can reject replays of old bodies.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh signing secret, shown to the user once: `whsec_` + 32 random bytes in base64url. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute and compare in constant time, and refuse timestamps
 * further than `toleranceSec` from `nowSec`.
 */
export function verifyWebhook(secret: string, header: { signature: string; timestamp: string }, body: string, options: { nowSec?: number; toleranceSec?: number } = {}): boolean {
  const timestamp = Number(header.timestamp);
  if (!Number.isInteger(timestamp)) return false;
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(header.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
