import { decryptSecret, encryptSecret } from "./crypto.js";
import type { ProviderConfig } from "./providers.js";

/** A channel's configuration as stored: JSON, encrypted and bound to the channel id. */
export function sealConfig(key: Uint8Array, channelId: string, config: ProviderConfig): string {
  return encryptSecret(key, JSON.stringify(config), channelId);
}

export function openConfig(key: Uint8Array, channelId: string, ciphertext: string): ProviderConfig {
  return JSON.parse(decryptSecret(key, ciphertext, channelId)) as ProviderConfig;
}
