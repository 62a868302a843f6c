/**
 * The providers a channel can deliver to: each one's configuration (validated with zod,
 * stored encrypted) and how it is shown back (secrets masked).
 */
import type { ChannelProvider } from "@wrenn/db";
import { z } from "zod";

export const channelProviders = ["webhook", "slack", "discord", "teams", "google_chat", "telegram", "matrix"] as const satisfies readonly ChannelProvider[];

/** What masked values read as. */
export const MASK = "•••";

const HttpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2048, { error: "must be at most 2048 characters" });

const IncomingWebhook = (example: string) => z.object({ webhook_url: HttpUrl.meta({ example }) }).strict();

export const providerConfigs = {
  webhook: z.object({ url: HttpUrl.meta({ example: "https://example.com/hooks/wrenn" }) }).strict(),
  slack: IncomingWebhook("https://hooks.slack.com/services/T000/B000/XXXX"),
  discord: IncomingWebhook("https://discord.com/api/webhooks/123/abc"),
  teams: IncomingWebhook("https://example.webhook.office.com/webhookb2/abc"),
  google_chat: IncomingWebhook("https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"),
  telegram: z
    .object({
      bot_token: z
        .string()
        .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, { error: "must be a bot token from @BotFather, like 123456:ABC-DEF…" })
        .max(200)
        .meta({ example: "123456:ABCdefGhIJKlmNoPQRstuVWXyz0123456" }),
      chat_id: z
        .string()
        .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/, { error: "must be a numeric chat id or @channelname" })
        .meta({ example: "-1001234567890" }),
    })
    .strict(),
  matrix: z
    .object({
      homeserver_url: HttpUrl.meta({ example: "https://matrix.example.org" }),
      access_token: z.string().min(1, { error: "must not be empty" }).max(1024).meta({ example: "syt_abc123" }),
      room_id: z
        .string()
        .regex(/^[!#][^:\s]+:\S+$/, { error: "must be a room id like !abc:example.org" })
        .max(255)
        .meta({ example: "!abcdef:matrix.example.org" }),
    })
    .strict(),
} as const satisfies Record<ChannelProvider, z.ZodType>;

/** A provider's fields; stored (encrypted) with `secret` added for webhooks. */
export type ProviderConfig = Record<string, string>;

/** Checks a configuration for a provider; the message names the field and the rule. */
export function parseProviderConfig(provider: ChannelProvider, config: unknown): { ok: true; config: ProviderConfig } | { ok: false; message: string } {
  const result = providerConfigs[provider].safeParse(config);
  if (result.success) return { ok: true, config: result.data as ProviderConfig };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `config.${issue.path.join(".")}` : "config";
  return { ok: false, message: `invalid ${where} for provider ${provider}: ${issue?.message ?? "invalid"}` };
}

/** Fields shown as-is; URL fields show scheme and host only; everything else is masked. */
const visibleFields = new Set(["chat_id", "room_id", "homeserver_url"]);
const urlFields = new Set(["url", "webhook_url"]);

function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    return url.pathname === "/" && !url.search ? url.origin : `${url.origin}/${MASK}`;
  } catch {
    return MASK;
  }
}

/** The configuration as API responses show it; the signing secret never appears. */
export function maskConfig(config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === "secret") continue;
    out[key] = visibleFields.has(key) ? value : urlFields.has(key) ? maskUrl(value) : MASK;
  }
  return out;
}
