import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, idOf, NoContent } from "../http/schemas.js";
import { eventTypes } from "../services/channels/events.js";
import { changeChannel, createChannel, getChannel, listChannelDeliveries, listTeamChannels, removeChannel, testChannel } from "../services/channels/manage.js";
import { channelProviders, providerConfigs } from "../services/channels/providers.js";

const exampleChannelId = "ch-5f9k2m8q1z7x3c6v5b0n2h8j1";
const providerList = channelProviders.join(", ");

const NameField = z
  .string()
  .trim()
  .min(1, { error: "name must not be empty" })
  .max(100, { error: "name must be at most 100 characters" })
  .meta({ example: "ops alerts" });
const EventField = z.enum(eventTypes, { error: `events must be among ${eventTypes.join(", ")}` });
const EventsField = z
  .array(EventField)
  .min(1, { error: "events must name at least one event type" })
  .max(eventTypes.length * 2, { error: `events must have at most ${eventTypes.length * 2} entries` })
  .meta({ example: ["capsule.created", "capsule.destroyed"] });
const common = {
  name: NameField,
  events: EventsField,
  enabled: z.boolean().default(true),
  scope: z.enum(["team", "platform"]).default("team").meta({ description: "platform: receives events of shared hosts (platform administrators only)" }),
};
const providerError = (issue: { code?: string }): string | undefined => (issue.code === "invalid_union" ? `provider must be one of ${providerList}` : undefined);

const createExample = { name: "ops alerts", provider: "webhook", config: { url: "https://example.com/hooks/wrenn" }, events: ["capsule.created", "capsule.destroyed"] };

const CreateChannelBody = z
  .discriminatedUnion(
    "provider",
    [
      z.object({ ...common, provider: z.literal("webhook"), config: providerConfigs.webhook }),
      z.object({ ...common, provider: z.literal("slack"), config: providerConfigs.slack }),
      z.object({ ...common, provider: z.literal("discord"), config: providerConfigs.discord }),
      z.object({ ...common, provider: z.literal("teams"), config: providerConfigs.teams }),
      z.object({ ...common, provider: z.literal("google_chat"), config: providerConfigs.google_chat }),
      z.object({ ...common, provider: z.literal("telegram"), config: providerConfigs.telegram }),
      z.object({ ...common, provider: z.literal("matrix"), config: providerConfigs.matrix }),
    ],
    { error: providerError },
  )
  .meta({ id: "CreateChannelRequest", example: createExample });

const TestTarget = z.discriminatedUnion(
  "provider",
  [
    z.object({ provider: z.literal("webhook"), config: providerConfigs.webhook }),
    z.object({ provider: z.literal("slack"), config: providerConfigs.slack }),
    z.object({ provider: z.literal("discord"), config: providerConfigs.discord }),
    z.object({ provider: z.literal("teams"), config: providerConfigs.teams }),
    z.object({ provider: z.literal("google_chat"), config: providerConfigs.google_chat }),
    z.object({ provider: z.literal("telegram"), config: providerConfigs.telegram }),
    z.object({ provider: z.literal("matrix"), config: providerConfigs.matrix }),
  ],
  { error: providerError },
);
const TestBody = z
  .union([z.object({ channel_id: idOf("channel", exampleChannelId) }).strict(), TestTarget])
  .meta({ id: "TestChannelRequest", description: "a saved channel's id, or a provider and config to try before saving", example: { channel_id: exampleChannelId } });

const PatchChannelBody = z
  .object({
    name: NameField.optional(),
    config: z.record(z.string(), z.unknown()).optional().meta({ description: "the provider's whole configuration (replaces the stored one)" }),
    events: EventsField.optional(),
    enabled: z.boolean().optional(),
    rotate_secret: z.boolean().optional().meta({ description: "webhooks: issue a new signing secret, returned once in this response" }),
  })
  .strict()
  .meta({ id: "UpdateChannelRequest", example: { events: ["capsule.created"], enabled: true } });

const channelExample = {
  id: exampleChannelId,
  name: "ops alerts",
  provider: "webhook",
  scope: "team",
  config: { url: "https://example.com/•••" },
  events: ["capsule.created", "capsule.destroyed"],
  enabled: true,
  created_at: "2025-01-01T12:00:00.000Z",
  updated_at: "2025-01-01T12:00:00.000Z",
};

const channelShape = {
  id: z.string(),
  name: z.string(),
  provider: z.enum(channelProviders),
  scope: z.enum(["team", "platform"]),
  config: z.record(z.string(), z.string()).meta({ description: "the configuration with secrets masked (URLs keep their scheme and host)" }),
  events: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
};
const ChannelSchema = z.object(channelShape).meta({ id: "Channel", example: channelExample });
const ChannelWithSecret = z
  .object({ ...channelShape, secret: z.string().optional().meta({ description: "webhooks: the signing secret, shown only in this response" }) })
  .meta({ id: "ChannelWithSecret", example: { ...channelExample, secret: "whsec_3q2-7wEXAMPLEa8Zk1vYb0uQm2sXrN4tL9pHcJdGfE6w" } });
const ChannelList = z.object({ items: z.array(ChannelSchema) }).meta({ id: "ChannelList", example: { items: [channelExample] } });

const TestResult = z
  .object({
    ok: z.boolean(),
    status_code: z.number().int().optional().meta({ description: "the receiver's HTTP status, when it answered" }),
    error: z.string().optional(),
  })
  .meta({ id: "ChannelTestResult", example: { ok: true, status_code: 200 } });

const deliveryExample = {
  id: "5d0c7a2e-2b1f-4c7e-9a51-0f6f2f6c1b11",
  event_id: "0b7e1a44-8a0d-4a43-a7c4-8f2b0f1d3e22",
  event_type: "capsule.created",
  resource_id: "cl-4f9k2m8q1z7x3c6v5b0n2h8j1",
  status: "pending",
  attempts: 1,
  last_status_code: 500,
  last_error: "HTTP 500: upstream unavailable",
  next_attempt_at: "2025-01-01T12:00:05.000Z",
  last_attempt_at: "2025-01-01T12:00:00.000Z",
  delivered_at: null,
  created_at: "2025-01-01T12:00:00.000Z",
};
const DeliverySchema = z
  .object({
    id: z.string().meta({ description: "also sent as X-Wrenn-Delivery" }),
    event_id: z.string(),
    event_type: z.string(),
    resource_id: z.string(),
    status: z.enum(["pending", "sending", "delivered", "failed"]),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable().meta({ description: "when the next attempt is due (null once delivered or failed)" }),
    last_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "ChannelDelivery", example: deliveryExample });
const DeliveryList = z.object({ items: z.array(DeliverySchema) }).meta({ id: "ChannelDeliveryList", example: { items: [deliveryExample] } });
const DeliveriesQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int({ error: "limit must be a whole number" })
    .min(1, { error: "limit must be at least 1 and at most 200" })
    .max(200, { error: "limit must be at least 1 and at most 200" })
    .default(50),
});

const ChannelParams = z.object({ id: idOf("channel", exampleChannelId) });

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Notification channels of the caller's team. Reading: any credential; changing: owner/admin session or an API key. */
export function channelRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["channels"];
  const preHandler = guard(deps);

  r.post(
    "/channels",
    {
      preHandler,
      schema: {
        tags,
        summary: "Create a notification channel",
        description: `Providers: ${providerList}. For webhooks the response carries the signing secret, shown only here: deliveries are signed X-Wrenn-Signature: sha256=HMAC-SHA256(secret, "<X-Wrenn-Timestamp>.<body>").`,
        body: CreateChannelBody,
        response: { 201: ChannelWithSecret, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const { channel, secret } = await createChannel(deps, authOf(request), request.body);
      return reply.code(201).send({ ...channel, ...(secret ? { secret } : {}) });
    },
  );

  r.get("/channels", { preHandler, schema: { tags, summary: "Your team's notification channels", response: { 200: ChannelList, ...errorResponses() } } }, async (request) => ({
    items: await listTeamChannels(deps, authOf(request)),
  }));

  r.post(
    "/channels/test",
    {
      preHandler,
      schema: {
        tags,
        summary: "Send a test event to a channel now",
        description: "Sends a `test` event at once (no queue, no retries) and returns the receiver's answer. Pass a saved channel's id, or a provider and config to try before saving.",
        body: TestBody,
        response: { 200: TestResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => testChannel(deps, authOf(request), request.body),
  );

  r.get(
    "/channels/:id",
    { preHandler, schema: { tags, summary: "One notification channel", params: ChannelParams, response: { 200: ChannelSchema, ...errorResponses(404) } } },
    async (request) => getChannel(deps, authOf(request), request.params.id),
  );

  r.patch(
    "/channels/:id",
    {
      preHandler,
      schema: {
        tags,
        summary: "Change a notification channel",
        description: "Fields left out stay as they are; `config` replaces the whole configuration. The webhook signing secret is kept unless rotate_secret is true.",
        params: ChannelParams,
        body: PatchChannelBody,
        response: { 200: ChannelWithSecret, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const { channel, secret } = await changeChannel(deps, authOf(request), request.params.id, request.body);
      return { ...channel, ...(secret ? { secret } : {}) };
    },
  );

  r.delete(
    "/channels/:id",
    {
      preHandler,
      schema: { tags, summary: "Delete a notification channel (and its pending deliveries)", params: ChannelParams, response: { 204: NoContent, ...errorResponses(403, 404) } },
    },
    async (request, reply) => {
      await removeChannel(deps, authOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  r.get(
    "/channels/:id/deliveries",
    {
      preHandler,
      schema: {
        tags,
        summary: "A channel's recent deliveries, newest first",
        params: ChannelParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryList, ...errorResponses(404) },
      },
    },
    async (request) => ({
      items: (await listChannelDeliveries(deps, authOf(request), request.params.id, request.query.limit)).map((d) => ({
        id: d.id,
        event_id: d.event_id,
        event_type: d.event_type,
        resource_id: d.resource_id,
        status: d.status,
        attempts: d.attempts,
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        next_attempt_at: d.status === "pending" || d.status === "sending" ? iso(d.next_attempt_at) : null,
        last_attempt_at: iso(d.last_attempt_at),
        delivered_at: iso(d.delivered_at),
        created_at: d.created_at.toISOString(),
      })),
    }),
  );
}
