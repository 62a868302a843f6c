/**
 * What a delivery sends: the event as JSON for webhooks, and for chat services a line of
 * text in each service's incoming-message shape.
 */
import type { ChannelProvider } from "@wrenn/db";
import type { AnyEventType } from "./events.js";
import type { ProviderConfig } from "./providers.js";
import { signWebhook } from "./signature.js";

/** The JSON body a webhook receives. */
export interface EventPayload {
  id: string;
  type: AnyEventType;
  created_at: string;
  team_id: string | null;
  resource_id: string;
  data: Record<string, unknown>;
}

export interface OutgoingRequest {
  method: "POST" | "PUT";
  url: string;
  headers: Record<string, string>;
  body: string;
}

const titles: Record<AnyEventType, string> = {
  "capsule.created": "Capsule created",
  "capsule.running": "Capsule running",
  "capsule.paused": "Capsule paused",
  "capsule.destroyed": "Capsule destroyed",
  "template.snapshot.created": "Snapshot template created",
  "template.snapshot.deleted": "Snapshot template deleted",
  "host.up": "Host up",
  "host.down": "Host down",
  test: "Test notification",
};

const MAX_TEXT = 1500;

/** One human-readable line (plus details) for chat services. */
export function eventText(payload: EventPayload): string {
  const details = Object.entries(payload.data)
    .filter(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(", ");
  const text = `[Wrenn] ${titles[payload.type] ?? payload.type}: ${payload.resource_id}${details ? ` (${details})` : ""}`;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

const json = { "content-type": "application/json", "user-agent": "Wrenn-Notifications/1" };

/**
 * The HTTP request for one delivery. `deliveryId` is stable across retries: webhook
 * receivers de-duplicate on `X-Wrenn-Delivery`, Matrix on the transaction id.
 */
export function buildRequest(
  provider: ChannelProvider,
  config: ProviderConfig,
  payload: EventPayload,
  deliveryId: string,
  options: { telegramApiUrl: string; nowSec?: number },
): OutgoingRequest {
  const text = eventText(payload);
  switch (provider) {
    case "webhook": {
      const body = JSON.stringify(payload);
      const timestamp = options.nowSec ?? Math.floor(Date.now() / 1000);
      return {
        method: "POST",
        url: config.url!,
        headers: {
          ...json,
          "x-wrenn-event": payload.type,
          "x-wrenn-delivery": deliveryId,
          "x-wrenn-timestamp": String(timestamp),
          "x-wrenn-signature": signWebhook(config.secret!, timestamp, body),
        },
        body,
      };
    }
    case "slack":
    case "google_chat":
      return { method: "POST", url: config.webhook_url!, headers: json, body: JSON.stringify({ text }) };
    case "discord":
      return { method: "POST", url: config.webhook_url!, headers: json, body: JSON.stringify({ content: text }) };
    case "teams":
      return {
        method: "POST",
        url: config.webhook_url!,
        headers: json,
        body: JSON.stringify({ "@type": "MessageCard", "@context": "https://schema.org/extensions", summary: titles[payload.type] ?? payload.type, text }),
      };
    case "telegram":
      return {
        method: "POST",
        url: `${options.telegramApiUrl.replace(/\/+$/, "")}/bot${config.bot_token!}/sendMessage`,
        headers: json,
        body: JSON.stringify({ chat_id: config.chat_id, text, disable_web_page_preview: true }),
      };
    case "matrix":
      return {
        method: "PUT",
        url: `${config.homeserver_url!.replace(/\/+$/, "")}/_matrix/client/v3/rooms/${encodeURIComponent(config.room_id!)}/send/m.room.message/${encodeURIComponent(deliveryId)}`,
        headers: { ...json, authorization: `Bearer ${config.access_token!}` },
        body: JSON.stringify({ msgtype: "m.text", body: text }),
      };
  }
}
