import { describe, expect, it } from "vitest";
import { resolveConfig, type ConfigSources } from "./config.js";
import { ConfigError } from "./errors.js";

function sources(env: Record<string, string | undefined>, files: Record<string, string> = {}): ConfigSources {
  return { env, readFile: (path) => files[path] };
}

const creds = (apiKey: string, apiUrl: string): string => JSON.stringify({ api_key: apiKey, api_url: apiUrl, email: "a@b.c", password: "x" });

describe("resolveConfig", () => {
  it("options win over the environment and credentials.json", () => {
    const config = resolveConfig(
      { apiKey: "wrn_opt", apiUrl: "http://opt:1", requestTimeoutMs: 5 },
      sources({ WRENN_API_KEY: "wrn_env", WRENN_API_URL: "http://env:2" }, { "/var/lib/wrenn/credentials.json": creds("wrn_file", "http://file:3") }),
    );
    expect(config).toMatchObject({ apiKey: "wrn_opt", apiUrl: "http://opt:1", requestTimeoutMs: 5 });
  });

  it("the environment wins over credentials.json", () => {
    const config = resolveConfig({}, sources({ WRENN_API_KEY: "wrn_env", WRENN_API_URL: "http://env:2" }, { "/var/lib/wrenn/credentials.json": creds("wrn_file", "http://file:3") }));
    expect(config).toMatchObject({ apiKey: "wrn_env", apiUrl: "http://env:2" });
  });

  it("falls back to credentials.json in WRENN_DATA_DIR", () => {
    const config = resolveConfig({}, sources({ WRENN_DATA_DIR: "/srv/w" }, { "/srv/w/credentials.json": creds("wrn_file", "http://127.0.0.1:19725") }));
    expect(config).toMatchObject({ apiKey: "wrn_file", apiUrl: "http://127.0.0.1:19725", requestTimeoutMs: 60_000 });
  });

  it("mixes: key from the environment, URL from the file", () => {
    const config = resolveConfig({}, sources({ WRENN_API_KEY: "wrn_env" }, { "/var/lib/wrenn/credentials.json": creds("wrn_file", "http://file:3") }));
    expect(config).toMatchObject({ apiKey: "wrn_env", apiUrl: "http://file:3" });
  });

  it("defaults the URL to the local wrenn up", () => {
    expect(resolveConfig({ apiKey: "wrn_x" }, sources({})).apiUrl).toBe("http://127.0.0.1:9725");
  });

  it("without a key anywhere, says where keys come from", () => {
    expect(() => resolveConfig({}, sources({ WRENN_DATA_DIR: "/nowhere" }))).toThrow(ConfigError);
    expect(() => resolveConfig({}, sources({ WRENN_DATA_DIR: "/nowhere" }))).toThrow(/WRENN_API_KEY.*wrenn up.*\/nowhere\/credentials\.json/);
  });

  it("rejects a broken credentials.json, a bad URL and a bad timeout", () => {
    expect(() => resolveConfig({}, sources({}, { "/var/lib/wrenn/credentials.json": "{" }))).toThrow(/not valid JSON/);
    expect(() => resolveConfig({ apiKey: "k", apiUrl: "localhost:9725" }, sources({}))).toThrow(/http/);
    expect(() => resolveConfig({ apiKey: "k", apiUrl: "ftp://x" }, sources({}))).toThrow(/http:\/\/ or https:\/\//);
    expect(() => resolveConfig({ apiKey: "k", requestTimeoutMs: 0 }, sources({}))).toThrow(/requestTimeoutMs/);
  });

  it("normalizes the URL: no trailing slash or /v1", () => {
    expect(resolveConfig({ apiKey: "k", apiUrl: "https://api.example.com/v1/" }, sources({})).apiUrl).toBe("https://api.example.com");
    expect(resolveConfig({ apiKey: "k", apiUrl: "https://example.com/wrenn/" }, sources({})).apiUrl).toBe("https://example.com/wrenn");
  });

  it("derives the port domain from the API host, or WRENN_DOMAIN", () => {
    expect(resolveConfig({ apiKey: "k", apiUrl: "https://api.example.com" }, sources({})).domain).toBe("api.example.com");
    expect(resolveConfig({ apiKey: "k", apiUrl: "http://127.0.0.1:9725" }, sources({})).domain).toBe("localhost:9725");
    expect(resolveConfig({ apiKey: "k" }, sources({ WRENN_DOMAIN: "caps.example.com" })).domain).toBe("caps.example.com");
  });
});
