import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newSigningSecret, signWebhook, verifyWebhook } from "./signature.js";

describe("webhook signatures", () => {
  it("is sha256=<hex HMAC-SHA256(secret, timestamp.body)>", () => {
    const body = '{"type":"test"}';
    const expected = createHmac("sha256", "whsec_x").update(`1700000000.${body}`).digest("hex");
    expect(signWebhook("whsec_x", 1700000000, body)).toBe(`sha256=${expected}`);
  });

  it("verifies a fresh signature and refuses other bodies, secrets and stale timestamps", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const now = 1700000000;
    const signature = signWebhook(secret, now, "{}");
    expect(verifyWebhook(secret, { signature, timestamp: String(now) }, "{}", { nowSec: now + 10 })).toBe(true);
    expect(verifyWebhook(secret, { signature, timestamp: String(now) }, "{ }", { nowSec: now })).toBe(false);
    expect(verifyWebhook(newSigningSecret(), { signature, timestamp: String(now) }, "{}", { nowSec: now })).toBe(false);
    expect(verifyWebhook(secret, { signature, timestamp: String(now) }, "{}", { nowSec: now + 301 })).toBe(false);
    expect(verifyWebhook(secret, { signature, timestamp: "soon" }, "{}", { nowSec: now })).toBe(false);
    expect(verifyWebhook(secret, { signature: "sha256=00", timestamp: String(now) }, "{}", { nowSec: now })).toBe(false);
  });
});
