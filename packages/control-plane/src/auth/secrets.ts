import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

// `Algorithm.Argon2id` is an ambient const enum (not importable under verbatimModuleSyntax); 2 is its value.
const ARGON2ID = 2;

export const MIN_PASSWORD_LENGTH = 8;

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** A new API key: `wrn_` + 32 hex characters. Only its hash is stored. */
export function generateApiKey(): { plaintext: string; hash: string; prefix: string } {
  const plaintext = `wrn_${randomBytes(16).toString("hex")}`;
  return { plaintext, hash: sha256Hex(plaintext), prefix: plaintext.slice(0, 8) };
}

export const apiKeyPattern = /^wrn_[0-9a-f]{32}$/;

/** A random single-use token for e-mailed links (activation, password reset). */
export function generateToken(): { plaintext: string; hash: string } {
  const plaintext = randomBytes(24).toString("base64url");
  return { plaintext, hash: sha256Hex(plaintext) };
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
