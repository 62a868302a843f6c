/**
 * Channel configurations hold webhook URLs, bot tokens and signing secrets, so they are
 * stored only as AES-256-GCM ciphertext. The key comes from WRENN_ENCRYPTION_KEY or a
 * generated `<dataDir>/encryption-key`; replicas sharing one database need the same key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Versioned so a later key rotation can tell old ciphertexts apart. */
const FORMAT = "v1";

/** A 32-byte key written as 64 hex characters or base64 / base64url (43–44 characters). */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) key = Buffer.from(value, value.includes("-") || value.includes("_") ? "base64url" : "base64");
  if (!key || key.length !== KEY_BYTES) {
    throw new Error(`${source} must be 32 bytes written as 64 hex characters or base64 (44 characters); generate one with: openssl rand -base64 32`);
  }
  return key;
}

/** The configured key, or the data directory's key file (created once, mode 0600). */
export function loadEncryptionKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) return parseEncryptionKey(fromEnv, "WRENN_ENCRYPTION_KEY");
  const file = join(dataDir, "encryption-key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(KEY_BYTES).toString("base64"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return parseEncryptionKey(readFileSync(file, "utf8"), file);
}

/**
 * Encrypts `plaintext`, bound to `context` (the channel id) so a ciphertext copied to
 * another row does not decrypt. Output: `v1:` + base64(iv | tag | ciphertext).
 */
export function encryptSecret(key: Uint8Array, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

export function decryptSecret(key: Uint8Array, ciphertext: string, context: string): string {
  const [format, payload] = ciphertext.split(":", 2);
  if (format !== FORMAT || !payload) throw new Error(`unknown ciphertext format "${format ?? ""}"`);
  const raw = Buffer.from(payload, "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("ciphertext too short");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new Error("cannot decrypt the channel configuration: wrong WRENN_ENCRYPTION_KEY (replicas must share one key) or corrupted data", { cause: err });
  }
}
