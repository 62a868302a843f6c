import { WrennError, templateNamePattern } from "@wrenn/core";
import { findTeamCapsule, listTeamCapsules } from "@wrenn/db";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authOf, guard } from "../auth/guards.js";
import type { Deps } from "../deps.js";
import { CapsuleParams, NoContent, errorResponses } from "../http/schemas.js";
import { loadCapsule } from "../services/capsule-access.js";
import { createCapsule, createServerTiming, type CreateTiming } from "../services/capsule-create.js";
import { CapsuleSchema, capsuleExample, capsuleJson, capsuleStatuses } from "../services/capsule-json.js";
import { capsuleMetrics, metricRanges, type MetricRange } from "../services/capsule-metrics.js";
import { statsRanges, teamStats, teamUsage, utcDay, type StatsRange } from "../services/capsule-usage.js";
import { destroyCapsule, pauseCapsule, pingCapsule, resumeCapsule, setCapsuleTimeout } from "../services/capsules.js";

const MAX_TIMEOUT_SEC = 86_400;
const MAX_METADATA_KEYS = 50;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const domainName = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const TimeoutSec = z
  .number()
  .int()
  .min(0)
  .max(MAX_TIMEOUT_SEC)
  .meta({ description: `idle seconds before the capsule is paused automatically, 0 (never) to ${MAX_TIMEOUT_SEC}` });

const NetworkBody = z
  .strictObject({
    egress: z.enum(["allow_all", "deny_all", "allow_list"]).default("allow_all"),
    allow_cidrs: z.array(z.union([z.cidrv4(), z.cidrv6()])).max(100).default([]),
    allow_domains: z.array(z.string().max(253).regex(domainName, "not a domain name")).max(100).default([]),
  })
  .meta({ description: "egress policy: allow_all (default), deny_all, or allow_list with allow_cidrs / allow_domains" });

const CreateCapsuleBody = z
  .strictObject({
    template: z
      .string()
      .regex(templateNamePattern, "template names are 1-64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit")
      .default("minimal"),
    vcpus: z.number().int().min(1).max(8).default(1),
    memory_mb: z.number().int().min(128).max(16_384).default(512),
    timeout_sec: TimeoutSec.default(300),
    metadata: z
      .record(z.string().min(1).max(64), z.string().max(1024))
      .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `metadata holds at most ${MAX_METADATA_KEYS} keys`)
      .default({}),
    network: NetworkBody.prefault({}),
    envs: z
      .record(z.string().max(256).regex(envName, "env var names are letters, digits and _, not starting with a digit"), z.string().max(65_536).refine((v) => !v.includes("\0"), "env values must not contain NUL bytes"))
      .default({}),
  })
  .prefault({})
  .meta({
    id: "CreateCapsule",
    description: "Every field is optional. The writable disk of a capsule created here is 4096 MB.",
    example: { template: "minimal", vcpus: 1, memory_mb: 512, timeout_sec: 300, metadata: { owner: "agent-42" }, network: { egress: "allow_all" }, envs: { FOO: "bar" } },
  });

const ListQuery = z.object({
  status: z.enum(capsuleStatuses.filter((s) => s !== "stopped") as ["pending", "running", "paused", "error", "missing"]).optional(),
  metadata: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .meta({ description: "key:value; repeat to require several pairs" }),
});

const CapsuleList = z.array(CapsuleSchema).meta({ id: "CapsuleList", example: [capsuleExample] });

const ResumeBody = z
  .strictObject({ timeout_sec: TimeoutSec.optional() })
  .nullish()
  .meta({ id: "ResumeCapsule", example: { timeout_sec: 600 } });

const TimeoutBody = z.strictObject({ timeout_sec: TimeoutSec }).meta({ id: "SetCapsuleTimeout", example: { timeout_sec: 600 } });

const MetricsQuery = z.object({ range: z.enum(Object.keys(metricRanges) as [MetricRange, ...MetricRange[]]).default("5m") });
const CapsuleMetrics = z
  .object({
    range: z.string(),
    points: z.array(z.object({ ts: z.string(), cpu_pct: z.number(), mem_bytes: z.number(), disk_bytes: z.number() })),
  })
  .meta({ id: "CapsuleMetrics", example: { range: "5m", points: [{ ts: "2025-01-01T12:00:00.000Z", cpu_pct: 3.5, mem_bytes: 52_428_800, disk_bytes: 1_048_576 }] } });

const StatsQuery = z.object({ range: z.enum(Object.keys(statsRanges) as [StatsRange, ...StatsRange[]]).default("1h") });
const Totals = z.object({ running: z.number().int(), vcpus: z.number().int(), memory_mb: z.number().int() });
const TeamStats = z
  .object({ range: z.string(), current: Totals, points: z.array(Totals.extend({ ts: z.string() })) })
  .meta({
    id: "TeamCapsuleStats",
    description: "current totals of running capsules, and the peak in each step of the range",
    example: { range: "1h", current: { running: 2, vcpus: 2, memory_mb: 1024 }, points: [{ ts: "2025-01-01T12:00:00.000Z", running: 2, vcpus: 2, memory_mb: 1024 }] },
  });

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a date");
const UsageQuery = z.object({ from: day.optional(), to: day.optional() });
const TeamUsage = z
  .object({
    from: z.string(),
    to: z.string(),
    days: z.array(z.object({ day: z.string(), cpu_minutes: z.number(), ram_mb_minutes: z.number() })),
  })
  .meta({
    id: "TeamUsage",
    description: "allocated vCPU-minutes and RAM-MB-minutes of running capsules per UTC day (days without usage are absent)",
    example: { from: "2025-01-01", to: "2025-01-31", days: [{ day: "2025-01-01", cpu_minutes: 120, ram_mb_minutes: 61_440 }] },
  });

const MAX_USAGE_DAYS = 366;

function metadataFilter(raw: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw === undefined ? [] : [raw].flat()) {
    const at = pair.indexOf(":");
    if (at <= 0) throw new WrennError("invalid_request", `metadata filter "${pair.slice(0, 80)}" must be key:value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export function capsuleRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["capsules"];

  r.post(
    "/capsules",
    {
      // No body at all means every default.
      preValidation: async (request) => {
        (request as { body: unknown }).body ??= {};
      },
      preHandler: guard(deps),
      schema: { tags, summary: "Create a capsule (returns once it is running)", body: CreateCapsuleBody, response: { 201: CapsuleSchema, ...errorResponses(404, 409, 502, 503) } },
    },
    async (request, reply) => {
      // Everything before the handler: reading the body, validation, authentication.
      const timing: CreateTiming = { acceptMs: reply.elapsedTime };
      const row = await createCapsule(deps, authOf(request), request.body, request.log, timing);
      timing.totalMs = reply.elapsedTime;
      // Where the time went, so a client can tell the host agent's share from the control plane's.
      void reply.header("server-timing", createServerTiming(timing));
      return reply.code(201).send(capsuleJson(row));
    },
  );

  r.get(
    "/capsules",
    { preHandler: guard(deps), schema: { tags, summary: "List the team's capsules (all but stopped ones)", querystring: ListQuery, response: { 200: CapsuleList, ...errorResponses() } } },
    async (request) => {
      const { status, metadata } = request.query;
      const rows = await listTeamCapsules(deps.db, authOf(request).teamId, { ...(status ? { status } : {}), metadata: metadataFilter(metadata) });
      return rows.map(capsuleJson);
    },
  );

  r.get(
    "/capsules/stats",
    { preHandler: guard(deps), schema: { tags, summary: "The team's running totals now and over a range", querystring: StatsQuery, response: { 200: TeamStats, ...errorResponses() } } },
    async (request) => teamStats(deps, authOf(request).teamId, request.query.range),
  );

  r.get(
    "/capsules/usage",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "The team's daily usage (default: the last 30 days)", querystring: UsageQuery, response: { 200: TeamUsage, ...errorResponses() } },
    },
    async (request) => {
      const to = request.query.to ?? utcDay(Date.now());
      const from = request.query.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000);
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
      if (days < 1) throw new WrennError("invalid_request", `from (${from}) must not be after to (${to})`);
      if (days > MAX_USAGE_DAYS) throw new WrennError("invalid_request", `the range spans ${days} days; ask for at most ${MAX_USAGE_DAYS} at a time`);
      return { from, to, days: await teamUsage(deps, authOf(request).teamId, from, to) };
    },
  );

  r.get(
    "/capsules/:id",
    { preHandler: guard(deps), schema: { tags, summary: "Get a capsule", params: CapsuleParams, response: { 200: CapsuleSchema, ...errorResponses(404) } } },
    async (request) => capsuleJson(await loadCapsule(deps, authOf(request), request.params.id)),
  );

  r.delete(
    "/capsules/:id",
    { preHandler: guard(deps), schema: { tags, summary: "Destroy a capsule", params: CapsuleParams, response: { 204: NoContent, ...errorResponses(404, 502) } } },
    async (request, reply) => {
      const auth = authOf(request);
      await destroyCapsule(deps, auth, await loadCapsule(deps, auth, request.params.id), request.log);
      return reply.code(204).send();
    },
  );

  r.post(
    "/capsules/:id/pause",
    { preHandler: guard(deps), schema: { tags, summary: "Pause a running capsule (memory and disk are kept)", params: CapsuleParams, response: { 200: CapsuleSchema, ...errorResponses(404, 409, 502) } } },
    async (request) => {
      const auth = authOf(request);
      return capsuleJson(await pauseCapsule(deps, auth, await loadCapsule(deps, auth, request.params.id), request.log));
    },
  );

  r.post(
    "/capsules/:id/resume",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "Resume a paused capsule", params: CapsuleParams, body: ResumeBody, response: { 200: CapsuleSchema, ...errorResponses(404, 409, 502) } },
    },
    async (request) => {
      const auth = authOf(request);
      return capsuleJson(await resumeCapsule(deps, auth, await loadCapsule(deps, auth, request.params.id), request.body?.timeout_sec));
    },
  );

  r.post(
    "/capsules/:id/ping",
    { preHandler: guard(deps), schema: { tags, summary: "Reset a running capsule's idle timer", params: CapsuleParams, response: { 200: CapsuleSchema, ...errorResponses(404, 409, 502) } } },
    async (request) => {
      const auth = authOf(request);
      return capsuleJson(await pingCapsule(deps, auth, await loadCapsule(deps, auth, request.params.id)));
    },
  );

  r.post(
    "/capsules/:id/timeout",
    {
      preHandler: guard(deps),
      schema: { tags, summary: "Change a capsule's idle timeout", params: CapsuleParams, body: TimeoutBody, response: { 200: CapsuleSchema, ...errorResponses(404, 409, 502) } },
    },
    async (request) => {
      const auth = authOf(request);
      return capsuleJson(await setCapsuleTimeout(deps, auth, await loadCapsule(deps, auth, request.params.id), request.body.timeout_sec));
    },
  );

  r.get(
    "/capsules/:id/metrics",
    {
      preHandler: guard(deps),
      schema: {
        tags,
        summary: "CPU, memory and disk over a range (a paused or stopped capsule: the range before it stopped running)",
        params: CapsuleParams,
        querystring: MetricsQuery,
        response: { 200: CapsuleMetrics, ...errorResponses(404, 502) },
      },
    },
    async (request) => {
      const capsule = await findTeamCapsule(deps.db, authOf(request).teamId, request.params.id);
      if (!capsule) throw new WrennError("not_found", `capsule ${request.params.id} not found`);
      return { range: request.query.range, points: await capsuleMetrics(deps, capsule, request.query.range) };
    },
  );
}
