import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors.js";

/** How to reach the Wrenn API. Every SDK entry point accepts these options. */
export interface ConnectionOptions {
  /** API key (`wrn_…`). Default: `WRENN_API_KEY`, then `credentials.json` written by `wrenn up`. */
  apiKey?: string;
  /** Base URL of the API. Default: `WRENN_API_URL`, then `credentials.json`, then `http://127.0.0.1:9725`. */
  apiUrl?: string;
  /** Domain of host-based port URLs (`{port}-{id}.{domain}`). Default: `WRENN_DOMAIN`, then the API URL's host. */
  domain?: string;
  /** Time limit of one REST call, in milliseconds (default 60 000). Commands add their own timeout to it. */
  requestTimeoutMs?: number;
}

/** Connection options with every default applied. */
export interface ResolvedConfig {
  apiKey: string;
  apiUrl: string;
  domain: string;
  requestTimeoutMs: number;
}

/** Where the defaults come from; replaceable in tests. */
export interface ConfigSources {
  env: Record<string, string | undefined>;
  readFile: (path: string) => string | undefined;
}

export const DEFAULT_API_URL = "http://127.0.0.1:9725";
export const DEFAULT_DATA_DIR = "/var/lib/wrenn";
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

interface Credentials {
  api_key?: unknown;
  api_url?: unknown;
}

const nodeSources: ConfigSources = {
  env: process.env,
  readFile: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

function readCredentials(sources: ConfigSources): { file: string; apiKey?: string; apiUrl?: string } {
  const file = join(sources.env.WRENN_DATA_DIR || DEFAULT_DATA_DIR, "credentials.json");
  const text = sources.readFile(file);
  if (text === undefined) return { file };
  let parsed: Credentials;
  try {
    parsed = JSON.parse(text) as Credentials;
  } catch {
    throw new ConfigError(`${file} is not valid JSON: fix or delete it, or set WRENN_API_KEY and WRENN_API_URL`);
  }
  return {
    file,
    ...(typeof parsed.api_key === "string" && parsed.api_key ? { apiKey: parsed.api_key } : {}),
    ...(typeof parsed.api_url === "string" && parsed.api_url ? { apiUrl: parsed.api_url } : {}),
  };
}

const isIpLiteral = (host: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");

/** The domain of host-based port URLs, with the API's port when it is not the scheme's default. */
function domainOf(apiUrl: URL, explicit: string | undefined): string {
  if (explicit) return explicit;
  const host = isIpLiteral(apiUrl.hostname) ? "localhost" : apiUrl.hostname;
  return apiUrl.port ? `${host}:${apiUrl.port}` : host;
}

/**
 * Applies the documented order: option → environment → `credentials.json` of `wrenn up`
 * (in `WRENN_DATA_DIR`, default `/var/lib/wrenn`) → built-in default.
 */
export function resolveConfig(options: ConnectionOptions = {}, sources: ConfigSources = nodeSources): ResolvedConfig {
  const { env } = sources;
  let creds: ReturnType<typeof readCredentials> | undefined;
  const credentials = (): ReturnType<typeof readCredentials> => (creds ??= readCredentials(sources));
  const apiKey = options.apiKey || env.WRENN_API_KEY || credentials().apiKey;
  if (!apiKey) {
    throw new ConfigError(
      `no API key: pass { apiKey }, set WRENN_API_KEY, or run \`wrenn up\` (it writes ${credentials().file}; set WRENN_DATA_DIR if it used another --data-dir)`,
    );
  }
  const rawUrl = options.apiUrl || env.WRENN_API_URL || credentials().apiUrl || DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(`API URL "${rawUrl}" is not a URL: pass an absolute http(s) URL such as ${DEFAULT_API_URL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`API URL "${rawUrl}" must start with http:// or https://`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new ConfigError(`requestTimeoutMs is ${requestTimeoutMs}: it must be a positive number of milliseconds`);
  }
  return {
    apiKey,
    // The SDK adds /v1 itself; a URL given with it still works.
    apiUrl: url.origin + url.pathname.replace(/\/+$/, "").replace(/\/v1$/, ""),
    domain: domainOf(url, options.domain || env.WRENN_DOMAIN),
    requestTimeoutMs,
  };
}
