import { WrennError } from "@wrenn/core";
import { liveCapsuleCounts, liveHostCapsuleIds } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { errorResponses, exampleIds, idOf, NoContent } from "../http/schemas.js";
import {
  createHost,
  deleteHost,
  hostHeartbeat,
  hostJson,
  listVisibleHosts,
  loadManagedHost,
  refreshHostToken,
  regenerateRegistrationToken,
  registerHost,
  setHostTags,
} from "../services/fleet/hosts.js";

const hostExample = {
  id: exampleIds.host,
  type: "regular",
  team_id: null,
  address: "10.0.0.5:9726",
  status: "online",
  mode: "registered",
  arch: "x86_64",
  cpu_cores: 16,
  memory_mb: 65536,
  disk_gb: 500,
  tags: ["eu-west"],
  last_heartbeat_at: "2025-01-01T12:00:30.000Z",
  created_at: "2025-01-01T12:00:00.000Z",
  stats: { cpu_percent: 12, memory_used_mb: 8192, disk_free_gb: 420, capsules_running: 7 },
  capsule_count: 7,
};

const HostSchema = z
  .object({
    id: z.string(),
    type: z.enum(["regular", "byoc"]),
    team_id: z.string().nullable(),
    address: z.string(),
    status: z.enum(["pending", "online", "unreachable", "draining"]),
    mode: z.enum(["static", "registered"]).meta({ description: "static: named by WRENN_AGENT_URL, plain HTTP; registered: joined with a token, mTLS" }),
    arch: z.string(),
    cpu_cores: z.number().int(),
    memory_mb: z.number().int(),
    disk_gb: z.number().int(),
    tags: z.array(z.string()),
    last_heartbeat_at: z.string().nullable(),
    created_at: z.string(),
    stats: z.record(z.string(), z.unknown()),
    capsule_count: z.number().int(),
  })
  .meta({ id: "Host", example: hostExample });

const HostList = z.object({ hosts: z.array(HostSchema) }).meta({ id: "HostList", example: { hosts: [hostExample] } });

const Tags = z
  .array(z.string().trim().regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,62}$/, "tags are 1-63 letters, digits, '.', '_', ':' or '-'"))
  .max(20, "at most 20 tags")
  .meta({ example: ["eu-west", "gpu"] });

const CreateHostBody = z
  .strictObject({
    type: z.enum(["regular", "byoc"]).default("regular"),
    team_id: idOf("team", exampleIds.team).optional().meta({ description: "byoc only: the team whose host this is (default: yours)" }),
    tags: Tags.default([]),
  })
  .meta({ id: "CreateHostRequest", example: { type: "regular", tags: ["eu-west"] } });

const Registration = z
  .object({
    host: HostSchema,
    registration_token: z.string().meta({ description: "one-time, valid one hour; shown only here" }),
  })
  .meta({ id: "HostRegistration", example: { host: { ...hostExample, status: "pending", address: "", capsule_count: 0 }, registration_token: "wrh_3q2…" } });

const HostParams = z.object({ id: idOf("host", exampleIds.host) });

const DeleteQuery = z.object({
  force: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .meta({ description: "destroy the host's capsules too (without it, a host with capsules answers 409 host_has_capsules listing them)" }),
});

const RegisterBody = z
  .strictObject({
    token: z.string().min(1).max(200),
    address: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/, "address must be host:port where the control plane reaches the agent, e.g. 10.0.0.5:9726")
      .meta({ example: "10.0.0.5:9726" }),
    arch: z.string().max(32),
    cpu_cores: z.number().int().min(1).max(4096),
    memory_mb: z.number().int().min(256),
    disk_gb: z.number().int().min(1),
  })
  .meta({ id: "RegisterHostRequest", example: { token: "wrh_3q2…", address: "10.0.0.5:9726", arch: "x86_64", cpu_cores: 16, memory_mb: 65536, disk_gb: 500 } });

const Credentials = z
  .object({
    host: HostSchema,
    token: z.string().meta({ description: "host JWT, for X-Host-Token" }),
    token_expires_at: z.string(),
    refresh_token: z.string().meta({ description: "single use; every refresh returns a new one" }),
    cert_pem: z.string(),
    key_pem: z.string(),
    ca_cert_pem: z.string(),
  })
  .meta({
    id: "HostCredentials",
    example: { host: hostExample, token: "eyJ…", token_expires_at: "2025-01-01T13:00:00.000Z", refresh_token: "wrr_…", cert_pem: "-----BEGIN CERTIFICATE-----…", key_pem: "-----BEGIN PRIVATE KEY-----…", ca_cert_pem: "-----BEGIN CERTIFICATE-----…" },
  });

const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(200) }).meta({ id: "RefreshHostTokenRequest", example: { refresh_token: "wrr_…" } });
const Refreshed = z
  .object({ host_id: z.string(), token: z.string(), token_expires_at: z.string(), refresh_token: z.string() })
  .meta({ id: "HostTokenRefresh", example: { host_id: exampleIds.host, token: "eyJ…", token_expires_at: "2025-01-01T13:00:00.000Z", refresh_token: "wrr_…" } });

const nonNegative = z.number().min(0).optional();
const HeartbeatBody = z
  .strictObject({
    cpu_percent: z.number().min(0).max(100).optional(),
    memory_used_mb: nonNegative,
    memory_total_mb: nonNegative,
    disk_free_gb: nonNegative,
    disk_total_gb: nonNegative,
    capsules_running: nonNegative,
    capsules_paused: nonNegative,
    vcpus_allocated: nonNegative,
    memory_allocated_mb: nonNegative,
    load_1m: nonNegative,
    agent_version: z.string().max(64).optional(),
  })
  .meta({ id: "HostHeartbeat", example: { cpu_percent: 12, memory_used_mb: 8192, memory_total_mb: 65536, disk_free_gb: 420, capsules_running: 7 } });

const HeartbeatAnswer = z
  .object({
    host_id: z.string(),
    status: z.enum(["pending", "online", "unreachable", "draining"]),
    certificate: z.object({ cert_pem: z.string(), key_pem: z.string(), ca_cert_pem: z.string(), expires_at: z.string() }).optional().meta({ description: "present when the agent's certificate is due for renewal" }),
  })
  .meta({ id: "HostHeartbeatAnswer", example: { host_id: exampleIds.host, status: "online" } });

/**
 * Hosts: platform admins manage regular hosts, owners/admins of BYOC teams their own.
 * Agents themselves register with a one-time token, refresh their host JWT and send
 * heartbeats (`X-Host-Token`).
 */
export function hostRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["hosts"];
  const withCount = async (host: Parameters<typeof hostJson>[0]) => hostJson(host, (await liveHostCapsuleIds(deps.db, host.id)).length);

  r.get(
    "/hosts",
    { preHandler: guard(deps), schema: { tags, summary: "Hosts you may manage (admins: all)", response: { 200: HostList, ...errorResponses(403) } } },
    async (request) => {
      const [hosts, counts] = await Promise.all([listVisibleHosts(deps, authOf(request)), liveCapsuleCounts(deps.db)]);
      return { hosts: hosts.map((h) => hostJson(h, counts.get(h.id) ?? 0)) };
    },
  );

  r.post(
    "/hosts",
    {
      preHandler: guard(deps, { user: true }),
      schema: {
        tags,
        summary: "Add a host: answers a one-time registration token for `wrenn agent --register`",
        description: "Regular hosts (every team's capsules): platform admins. BYOC hosts (one team's capsules): owners and admins of a BYOC-enabled team, or platform admins.",
        body: CreateHostBody,
        response: { 201: Registration, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const { host, token } = await createHost(deps, authOf(request), request.body);
      return reply.code(201).send({ host: hostJson(host, 0), registration_token: token });
    },
  );

  r.get(
    "/hosts/:id",
    { preHandler: guard(deps, { user: true }), schema: { tags, summary: "One host", params: HostParams, response: { 200: HostSchema, ...errorResponses(403, 404) } } },
    async (request) => withCount(await loadManagedHost(deps, authOf(request), request.params.id)),
  );

  r.patch(
    "/hosts/:id",
    {
      preHandler: guard(deps, { user: true }),
      schema: {
        tags,
        summary: "Set a host's tags",
        params: HostParams,
        body: z.strictObject({ tags: Tags }).meta({ id: "UpdateHostRequest", example: { tags: ["eu-west"] } }),
        response: { 200: HostSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => withCount(await setHostTags(deps, authOf(request), request.params.id, request.body.tags)),
  );

  r.post(
    "/hosts/:id/token",
    {
      preHandler: guard(deps, { user: true }),
      schema: { tags, summary: "A new registration token for a pending host (the old one stops working)", params: HostParams, response: { 200: Registration, ...errorResponses(403, 404, 409) } },
    },
    async (request) => {
      const { host, token } = await regenerateRegistrationToken(deps, authOf(request), request.params.id);
      return { host: hostJson(host, 0), registration_token: token };
    },
  );

  r.delete(
    "/hosts/:id",
    {
      preHandler: guard(deps, { user: true }),
      schema: {
        tags,
        summary: "Delete a host (force=true destroys its capsules)",
        description: "Without force, a host that still holds capsules answers 409 host_has_capsules with details.capsule_ids: the preview of what force would destroy. The agent learns at its next heartbeat (404), shuts down and forgets its credentials.",
        params: HostParams,
        querystring: DeleteQuery,
        response: { 204: NoContent, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteHost(deps, authOf(request), request.params.id, request.query.force, request.log);
      return reply.code(204).send();
    },
  );

  r.post(
    "/hosts/register",
    {
      schema: {
        tags,
        summary: "An agent registers with its one-time token (used by `wrenn agent --register`)",
        security: [],
        body: RegisterBody,
        response: { 200: Credentials, ...errorResponses() },
      },
    },
    async (request) => {
      const credentials = await registerHost(deps, request.body);
      return { ...credentials, host: hostJson(credentials.host, 0) };
    },
  );

  r.post(
    "/hosts/auth/refresh",
    {
      schema: {
        tags,
        summary: "A new host JWT for a refresh token (which rotates)",
        description: "404 when the host was deleted: the agent should shut down and forget its credentials.",
        security: [],
        body: RefreshBody,
        response: { 200: Refreshed, ...errorResponses(404) },
      },
    },
    async (request) => refreshHostToken(deps, request.body.refresh_token),
  );

  r.post(
    "/hosts/:id/heartbeat",
    {
      schema: {
        tags,
        summary: "An agent's heartbeat with its stats (X-Host-Token)",
        description: "Every 30 s. A host silent for 90 s is unreachable and its capsules missing. The answer carries a renewed certificate when the current one is due.",
        security: [],
        params: HostParams,
        body: HeartbeatBody,
        response: { 200: HeartbeatAnswer, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const token = request.headers["x-host-token"];
      if (typeof token !== "string" || token === "") throw new WrennError("unauthorized", "send the host JWT in X-Host-Token");
      return hostHeartbeat(deps, request.params.id, token, request.body, request.log);
    },
  );
}
