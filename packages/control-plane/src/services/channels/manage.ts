/**
 * Channels of the caller's team: create, read, change, delete, test. Any credential of the
 * team may read; changing needs an owner or admin session or an API key of the team.
 * Channels with scope `platform` are for platform administrators only.
 */
import { randomUUID } from "node:crypto";
import { newId, WrennError } from "@wrenn/core";
import {
  deleteChannel,
  findChannel,
  insertAudit,
  insertChannel,
  listChannels,
  listDeliveries,
  updateChannel,
  type Channel,
  type ChannelProvider,
  type ChannelScope,
  type DeliveryWithEvent,
} from "@wrenn/db";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import type { EventType } from "./events.js";
import { maskConfig, parseProviderConfig, type ProviderConfig } from "./providers.js";
import { DEFAULT_SEND_TIMEOUT_MS, DEFAULT_TELEGRAM_API_URL, sendToChannel, type SendResult } from "./send.js";
import { newSigningSecret } from "./signature.js";
import { openConfig, sealConfig } from "./stored-config.js";

export interface ChannelInput {
  name: string;
  provider: ChannelProvider;
  config: unknown;
  events: EventType[];
  enabled?: boolean;
  scope?: ChannelScope;
}

export interface ChannelChange {
  name?: string;
  config?: unknown;
  events?: EventType[];
  enabled?: boolean;
  /** Webhooks: replace the signing secret (the new one is returned once). */
  rotate_secret?: boolean;
}

export interface ChannelView {
  id: string;
  name: string;
  provider: ChannelProvider;
  scope: ChannelScope;
  config: Record<string, string>;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export function channelJson(deps: Deps, row: Channel): ChannelView {
  let config: Record<string, string>;
  try {
    config = maskConfig(openConfig(deps.config.encryptionKey, row.id, row.config_encrypted));
  } catch {
    // A key mismatch must not hide the channel: it can still be fixed or deleted.
    config = {};
  }
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    scope: row.scope,
    config,
    events: row.events,
    enabled: row.enabled,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function assertMayManage(auth: AuthContext, scope: ChannelScope): void {
  if (auth.kind === "user" && auth.role !== "owner" && auth.role !== "admin") {
    throw new WrennError("forbidden", `managing channels needs the owner or admin role in the team; yours is ${auth.role ?? "none"}`);
  }
  if (scope === "platform" && !(auth.kind === "user" && auth.isAdmin)) {
    throw new WrennError("forbidden", "channels with scope platform are for platform administrators (log in as one; API keys cannot manage them)");
  }
}

function validConfig(provider: ChannelProvider, config: unknown): ProviderConfig {
  const parsed = parseProviderConfig(provider, config);
  if (!parsed.ok) throw new WrennError("invalid_request", parsed.message);
  return parsed.config;
}

async function requireChannel(deps: Deps, auth: AuthContext, id: string): Promise<Channel> {
  const row = await findChannel(deps.db, auth.teamId, id);
  if (!row) throw new WrennError("not_found", `channel ${id} not found`);
  return row;
}

/** The stored configuration, or a clear error when the key that sealed it is gone. */
function storedConfig(deps: Deps, row: Channel): ProviderConfig {
  try {
    return openConfig(deps.config.encryptionKey, row.id, row.config_encrypted);
  } catch (err) {
    throw new WrennError("invalid_state", `channel ${row.id}'s configuration cannot be decrypted (was WRENN_ENCRYPTION_KEY changed?); send a new config with PATCH`, { cause: err });
  }
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

export async function createChannel(deps: Deps, auth: AuthContext, input: ChannelInput): Promise<{ channel: ChannelView; secret?: string }> {
  const scope = input.scope ?? "team";
  assertMayManage(auth, scope);
  const config = validConfig(input.provider, input.config);
  const secret = input.provider === "webhook" ? newSigningSecret() : undefined;
  const id = newId("channel");
  const events = unique(input.events);
  const row = await deps.db.transaction().execute(async (trx) => {
    const created = await insertChannel(trx, {
      id,
      team_id: auth.teamId,
      scope,
      name: input.name,
      provider: input.provider,
      config_encrypted: sealConfig(deps.config.encryptionKey, id, secret ? { ...config, secret } : config),
      events: JSON.stringify(events),
      enabled: input.enabled ?? true,
      created_by: auth.userId,
    });
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "channel.create", resourceType: "channel", resourceId: id, metadata: { name: input.name, provider: input.provider, scope, events } });
    return created;
  });
  return { channel: channelJson(deps, row), ...(secret ? { secret } : {}) };
}

export async function listTeamChannels(deps: Deps, auth: AuthContext): Promise<ChannelView[]> {
  return (await listChannels(deps.db, auth.teamId)).map((row) => channelJson(deps, row));
}

export async function getChannel(deps: Deps, auth: AuthContext, id: string): Promise<ChannelView> {
  return channelJson(deps, await requireChannel(deps, auth, id));
}

export async function changeChannel(deps: Deps, auth: AuthContext, id: string, change: ChannelChange): Promise<{ channel: ChannelView; secret?: string }> {
  const current = await requireChannel(deps, auth, id);
  assertMayManage(auth, current.scope);
  if (change.rotate_secret && current.provider !== "webhook") throw new WrennError("invalid_request", "rotate_secret applies to webhook channels only");
  let configEncrypted: string | undefined;
  let secret: string | undefined;
  if (change.config !== undefined || change.rotate_secret) {
    const config = change.config !== undefined ? validConfig(current.provider, change.config) : undefined;
    // A new config may replace one that no longer decrypts; a webhook then gets a new secret.
    let stored: ProviderConfig = {};
    try {
      stored = storedConfig(deps, current);
    } catch (err) {
      if (!config) throw err;
    }
    if (change.rotate_secret || (current.provider === "webhook" && !stored.secret)) secret = newSigningSecret();
    const signing = secret ?? stored.secret;
    const fields = config ?? Object.fromEntries(Object.entries(stored).filter(([k]) => k !== "secret"));
    configEncrypted = sealConfig(deps.config.encryptionKey, id, signing ? { ...fields, secret: signing } : fields);
  }
  const row = await deps.db.transaction().execute(async (trx) => {
    const updated = await updateChannel(trx, auth.teamId, id, {
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(configEncrypted !== undefined ? { configEncrypted } : {}),
      ...(change.events !== undefined ? { events: unique(change.events) } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
    });
    if (!updated) throw new WrennError("not_found", `channel ${id} not found`);
    const fields = Object.keys(change).filter((k) => change[k as keyof ChannelChange] !== undefined);
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "channel.update", resourceType: "channel", resourceId: id, metadata: { fields } });
    return updated;
  });
  return { channel: channelJson(deps, row), ...(secret ? { secret } : {}) };
}

export async function removeChannel(deps: Deps, auth: AuthContext, id: string): Promise<void> {
  const current = await requireChannel(deps, auth, id);
  assertMayManage(auth, current.scope);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await deleteChannel(trx, auth.teamId, id))) throw new WrennError("not_found", `channel ${id} not found`);
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "channel.delete", resourceType: "channel", resourceId: id, metadata: { name: current.name } });
  });
}

export async function listChannelDeliveries(deps: Deps, auth: AuthContext, id: string, limit: number): Promise<DeliveryWithEvent[]> {
  await requireChannel(deps, auth, id);
  return listDeliveries(deps.db, id, limit);
}

/**
 * Sends a `test` event now, to a saved channel or to an unsaved configuration, and returns
 * the receiver's answer. Nothing is queued or retried. An unsaved webhook is signed with a
 * throwaway secret.
 */
export async function testChannel(deps: Deps, auth: AuthContext, target: { channel_id: string } | { provider: ChannelProvider; config: unknown }): Promise<SendResult> {
  let provider: ChannelProvider;
  let config: ProviderConfig;
  let resourceId: string;
  if ("channel_id" in target) {
    const row = await requireChannel(deps, auth, target.channel_id);
    assertMayManage(auth, row.scope);
    provider = row.provider;
    config = storedConfig(deps, row);
    resourceId = row.id;
  } else {
    assertMayManage(auth, "team");
    provider = target.provider;
    config = validConfig(provider, target.config);
    if (provider === "webhook") config = { ...config, secret: newSigningSecret() };
    resourceId = "unsaved";
  }
  const payload = {
    id: randomUUID(),
    type: "test" as const,
    created_at: new Date().toISOString(),
    team_id: auth.teamId,
    resource_id: resourceId,
    data: { message: "This is a test notification from Wrenn." },
  };
  return sendToChannel(provider, config, payload, randomUUID(), {
    timeoutMs: DEFAULT_SEND_TIMEOUT_MS,
    telegramApiUrl: deps.config.telegramApiUrl ?? DEFAULT_TELEGRAM_API_URL,
    allowPrivate: deps.config.channelsAllowPrivate,
  });
}
