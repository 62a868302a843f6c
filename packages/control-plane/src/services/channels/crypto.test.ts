import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../config.js";
import { decryptSecret, encryptSecret, loadEncryptionKey, parseEncryptionKey } from "./crypto.js";

const key = Buffer.alloc(32, 7);

describe("channel secret encryption", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("round-trips, and each ciphertext is different and hides the plaintext", () => {
    const a = encryptSecret(key, '{"bot_token":"123:abc"}', "ch-1");
    const b = encryptSecret(key, '{"bot_token":"123:abc"}', "ch-1");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain("abc");
    expect(decryptSecret(key, a, "ch-1")).toBe('{"bot_token":"123:abc"}');
  });

  it("refuses another key, another channel id and tampered bytes", () => {
    const sealed = encryptSecret(key, "secret", "ch-1");
    expect(() => decryptSecret(Buffer.alloc(32, 8), sealed, "ch-1")).toThrow(/WRENN_ENCRYPTION_KEY/);
    expect(() => decryptSecret(key, sealed, "ch-2")).toThrow(/cannot decrypt/);
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => decryptSecret(key, `v1:${raw.toString("base64")}`, "ch-1")).toThrow(/cannot decrypt/);
    expect(() => decryptSecret(key, "v9:abcd", "ch-1")).toThrow(/format/);
  });

  it("parses 32-byte keys in hex, base64 and base64url, and explains anything else", () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
    expect(parseEncryptionKey(bytes.toString("hex"), "K")).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString("base64"), "K")).toEqual(bytes);
    expect(parseEncryptionKey(bytes.toString("base64url"), "K")).toEqual(bytes);
    expect(() => parseEncryptionKey("too-short", "WRENN_ENCRYPTION_KEY")).toThrow(/WRENN_ENCRYPTION_KEY must be 32 bytes/);
    expect(() => parseEncryptionKey(Buffer.alloc(16).toString("hex"), "K")).toThrow(/32 bytes/);
    expect(() => parseEncryptionKey(Buffer.alloc(31).toString("base64"), "K")).toThrow(/32 bytes/);
  });

  it("creates <dataDir>/encryption-key once with mode 0600 and reuses it; the variable wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "wrenn-key-"));
    dirs.push(dir);
    const first = loadEncryptionKey(dir, undefined);
    expect(first).toHaveLength(32);
    expect(statSync(join(dir, "encryption-key")).mode & 0o777).toBe(0o600);
    expect(loadEncryptionKey(dir, undefined)).toEqual(first);
    expect(Buffer.from(readFileSync(join(dir, "encryption-key"), "utf8"), "base64")).toEqual(first);
    expect(loadEncryptionKey(dir, key.toString("hex"))).toEqual(key);
  });

  it("loadConfig takes WRENN_ENCRYPTION_KEY and names it when malformed", () => {
    const dir = mkdtempSync(join(tmpdir(), "wrenn-key-"));
    dirs.push(dir);
    const jwt = "j".repeat(40);
    expect(loadConfig({ WRENN_ENCRYPTION_KEY: key.toString("base64"), WRENN_JWT_SECRET: jwt }, { dataDir: dir }).encryptionKey).toEqual(key);
    expect(() => loadConfig({ WRENN_ENCRYPTION_KEY: "hunter2", WRENN_JWT_SECRET: jwt }, { dataDir: dir })).toThrow(/WRENN_ENCRYPTION_KEY must be 32 bytes/);
    expect(loadConfig({ WRENN_JWT_SECRET: jwt }, { dataDir: dir }).encryptionKey).toHaveLength(32);
  });
});
