/**
 * Sends one delivery over HTTP with a timeout. The result is data, never a throw: the
 * worker turns failures into retries and the test route returns them to the caller.
 */
import type { ChannelProvider } from "@wrenn/db";
import { buildRequest, type EventPayload } from "./message.js";
import type { ProviderConfig } from "./providers.js";
import { refusedDestination } from "./destination.js";

export interface SendResult {
  ok: boolean;
  status_code?: number;
  error?: string;
}

export interface SendOptions {
  timeoutMs: number;
  telegramApiUrl: string;
  /** Private and loopback destinations allowed (WRENN_CHANNELS_ALLOW_PRIVATE). */
  allowPrivate: boolean;
}

export const DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org";
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

/** Response text kept in an error message. */
const MAX_ERROR_BODY = 300;

/** Tokens must not leak into stored errors (a Telegram token is part of the URL). */
function redact(text: string, config: ProviderConfig): string {
  let out = text;
  for (const value of Object.values(config)) if (value.length >= 8) out = out.split(value).join("•••");
  return out;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `no response within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message}: ${cause}` : e.message;
}

export async function sendToChannel(provider: ChannelProvider, config: ProviderConfig, payload: EventPayload, deliveryId: string, options: SendOptions): Promise<SendResult> {
  const request = buildRequest(provider, config, payload, deliveryId, { telegramApiUrl: options.telegramApiUrl });
  const refused = await refusedDestination(request.url, options.allowPrivate);
  if (refused) return { ok: false, error: redact(refused, config) };
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // A redirect could carry the signed body somewhere the user did not configure.
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.text().catch(() => "");
    if (res.status >= 200 && res.status < 300) return { ok: true, status_code: res.status };
    const snippet = text.trim().slice(0, MAX_ERROR_BODY);
    return { ok: false, status_code: res.status, error: redact(`HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`, config) };
  } catch (err) {
    return { ok: false, error: redact(describeFailure(err, options.timeoutMs), config) };
  }
}
