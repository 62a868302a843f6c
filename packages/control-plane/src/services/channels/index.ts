/** Notification channels: the event outbox, its delivery worker, and channel management. */
export { eventTypes, publishEvent, type AnyEventType, type EventType, type PlatformEvent } from "./events.js";
export { startChannelDelivery, RETRY_BACKOFF_MS, type ChannelDelivery, type ChannelDeliveryOptions } from "./worker.js";
export { channelProviders, maskConfig, MASK } from "./providers.js";
export { signWebhook, verifyWebhook } from "./signature.js";
export { loadEncryptionKey, parseEncryptionKey } from "./crypto.js";
export type { EventPayload } from "./message.js";
export type { SendResult } from "./send.js";
