import { describe, expect, it } from "vitest";
import { maskConfig, parseProviderConfig } from "./providers.js";

describe("channel provider configs", () => {
  it("accepts http(s) URLs only and names the field", () => {
    expect(parseProviderConfig("webhook", { url: "https://example.com/h" })).toEqual({ ok: true, config: { url: "https://example.com/h" } });
    expect(parseProviderConfig("slack", { webhook_url: "ftp://example.com/h" })).toEqual({ ok: false, message: "invalid config.webhook_url for provider slack: must be an http:// or https:// URL" });
    expect(parseProviderConfig("webhook", { url: "https://example.com", extra: 1 })).toMatchObject({ ok: false });
    expect(parseProviderConfig("telegram", { bot_token: "nope", chat_id: "1" })).toMatchObject({ ok: false, message: expect.stringContaining("config.bot_token") });
    expect(parseProviderConfig("matrix", { homeserver_url: "https://m.org", access_token: "t", room_id: "!a:m.org" })).toMatchObject({ ok: true });
  });

  it("masks tokens and URL paths, keeps ids and hosts, drops the signing secret", () => {
    expect(maskConfig({ url: "https://hooks.example.com/T0/B0/XYZ?x=1", secret: "whsec_abc" })).toEqual({ url: "https://hooks.example.com/•••" });
    expect(maskConfig({ url: "http://127.0.0.1:8080/" })).toEqual({ url: "http://127.0.0.1:8080" });
    expect(maskConfig({ bot_token: "123:abc", chat_id: "-100" })).toEqual({ bot_token: "•••", chat_id: "-100" });
    expect(maskConfig({ homeserver_url: "https://m.org", access_token: "syt", room_id: "!a:m.org" })).toEqual({ homeserver_url: "https://m.org", access_token: "•••", room_id: "!a:m.org" });
  });
});
