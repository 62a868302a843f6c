import { WrennError, newId } from "@wrenn/core";
import { insertAudit, insertCapsule, transitionCapsule, transitionCapsuleRecorded, type Capsule } from "@wrenn/db";
import { EgressMode } from "@wrenn/proto/hostagent/v1";
import type { FastifyBaseLogger } from "fastify";
import { actorOf, type AuthContext } from "../auth/context.js";
import { agentHandlerMs, type AgentHandle } from "../agent/client.js";
import type { Deps } from "../deps.js";
import { toWrennError } from "../http/errors.js";
import { serverTimingHeader } from "../http/server-timing.js";
import { agentFacts, isAgentNotFound } from "./capsule-agent-sync.js";
import { resolveTemplate, unknownTemplate } from "./capsule-templates.js";

/**
 * Disk for REST-created capsules: not part of the public create body yet, so every capsule
 * gets the agent's default writable layer size.
 */
export const DEFAULT_DISK_MB = 4096;

export interface NetworkInput {
  egress: "allow_all" | "deny_all" | "allow_list";
  allow_cidrs: string[];
  allow_domains: string[];
}

export interface CreateCapsuleInput {
  template: string;
  vcpus: number;
  memory_mb: number;
  timeout_sec: number;
  metadata: Record<string, string>;
  network: NetworkInput;
  envs: Record<string, string>;
}

const egressModes: Record<NetworkInput["egress"], EgressMode> = {
  allow_all: EgressMode.ALLOW_ALL,
  deny_all: EgressMode.DENY_ALL,
  allow_list: EgressMode.ALLOW_LIST,
};

/** Where a create's time went (ms), for the `Server-Timing` header. */
export interface CreateTiming {
  /** Before the handler: reading the body, validation, authentication. */
  acceptMs?: number;
  /** Finding the template, and reading the hosts and their loads. */
  lookupMs?: number;
  /** Choosing the host. */
  placeMs?: number;
  /** The host agent's CreateCapsule call (the pending row is written meanwhile). */
  agentMs?: number;
  /** Within `agentMs`: the agent's own handling, as its Server-Timing reports it. */
  agentHandlerMs?: number;
  /** Recording the capsule running, with its audit row and events. */
  recordMs?: number;
  /** The whole handling, request received to response. */
  totalMs?: number;
}

/** `Server-Timing` of a create: each step that ran, then the whole handling (`total`). */
export function createServerTiming(timing: CreateTiming): string {
  return serverTimingHeader([
    ["accept", timing.acceptMs, "request body validation and authentication"],
    ["lookup", timing.lookupMs, "template and host loads"],
    ["place", timing.placeMs, "host choice"],
    ["agent", timing.agentMs, "host agent CreateCapsule"],
    ["agent_handler", timing.agentHandlerMs, "within agent: the host agent's own handling"],
    ["record", timing.recordMs, "capsule row with its audit row and events"],
    ["total", timing.totalMs, "request received to response"],
  ]);
}

/**
 * Creates a capsule synchronously: a `pending` row, the agent's CreateCapsule, then the
 * row `running`. Any failure leaves the row in `error` with the reason and nothing
 * running on the host.
 */
export async function createCapsule(deps: Deps, auth: AuthContext, input: CreateCapsuleInput, log: FastifyBaseLogger, timing: CreateTiming = {}): Promise<Capsule> {
  let mark = performance.now();
  const lap = (): number => -mark + (mark = performance.now());
  // The template and the fleet's loads are independent reads: one round trip's wait, not two.
  const [template, view] = await Promise.all([resolveTemplate(deps, auth.teamId, input.template), deps.fleet.view(auth.teamId)]);
  timing.lookupMs = lap();
  const agent = await deps.fleet.place({ teamId: auth.teamId, vcpus: input.vcpus, memoryMb: input.memory_mb, diskMb: DEFAULT_DISK_MB, hostId: template.row?.host_id ?? null }, view);
  timing.placeMs = lap();
  const id = newId("capsule");
  // The pending row and the agent's create run side by side: the row is written long before
  // the capsule exists, and the reconciler leaves capsules without a row alone meanwhile.
  const inserted = insertCapsule(deps.db, {
    id,
    team_id: auth.teamId,
    host_id: agent.hostId,
    template: template.name,
    status: "pending",
    vcpus: input.vcpus,
    memory_mb: input.memory_mb,
    disk_mb: DEFAULT_DISK_MB,
    timeout_sec: input.timeout_sec,
    metadata: JSON.stringify(input.metadata),
    network: JSON.stringify(input.network),
    error: null,
    created_by: auth.userId ?? auth.apiKeyId,
  });
  const created = agent.client.createCapsule({
    capsuleId: id,
    template: template.agentName,
    vcpus: input.vcpus,
    memoryMb: input.memory_mb,
    diskMb: DEFAULT_DISK_MB,
    timeoutSec: input.timeout_sec,
    envs: input.envs,
    metadata: input.metadata,
    network: { egress: egressModes[input.network.egress], allowCidrs: input.network.allow_cidrs, allowDomains: input.network.allow_domains },
  }, { onHeader: (header) => (timing.agentHandlerMs = agentHandlerMs(header)) }).finally(() => {
    timing.agentMs = lap();
  });
  const [insert, create] = await Promise.allSettled([inserted, created]);
  if (insert.status === "rejected") {
    // No row: nothing may keep running for it.
    await destroyQuietly(agent, id, log);
    throw insert.reason;
  }
  try {
    if (create.status === "rejected") throw create.reason;
    const info = create.value.capsule;
    if (!info) throw new WrennError("agent_error", "the host agent created the capsule but did not describe it");
    const row = await transitionCapsuleRecorded(deps.db, id, ["pending"], { ...agentFacts(info), status: "running", host_id: agent.hostId }, {
      audit: {
        teamId: auth.teamId,
        ...actorOf(auth),
        action: "capsule.create",
        resourceType: "capsule",
        resourceId: id,
        metadata: { template: template.name, vcpus: input.vcpus, memory_mb: input.memory_mb, host_id: agent.hostId },
      },
      events: [
        { type: "capsule.created", teamId: auth.teamId, resourceId: id, data: { template: template.name, vcpus: input.vcpus, memory_mb: input.memory_mb } },
        { type: "capsule.running", teamId: auth.teamId, resourceId: id, data: { template: template.name } },
      ],
    });
    timing.recordMs = lap();
    if (!row) throw new WrennError("conflict", `capsule ${id} was destroyed while it was being created`);
    return row;
  } catch (err) {
    const public_ = isAgentNotFound(err) ? await unknownTemplate(deps, auth.teamId, template.name) : toWrennError(err);
    await failCreate(deps, auth, agent, id, public_, log);
    throw public_;
  }
}

/** Destroys a capsule the agent may hold; an unknown capsule is fine, anything else is logged. */
async function destroyQuietly(agent: AgentHandle, id: string, log: FastifyBaseLogger): Promise<void> {
  try {
    await agent.client.destroyCapsule({ capsuleId: id });
  } catch (err) {
    if (!isAgentNotFound(err)) log.error({ capsuleId: id, err }, "could not destroy a capsule whose create failed");
  }
}

/** Marks a failed create and makes sure the agent holds nothing for it. */
async function failCreate(deps: Deps, auth: AuthContext, agent: AgentHandle, id: string, err: WrennError, log: FastifyBaseLogger): Promise<void> {
  log.warn({ capsuleId: id, hostId: agent.hostId, code: err.code, err: err.cause ?? err }, "capsule create failed");
  await destroyQuietly(agent, id, log);
  try {
    await transitionCapsule(deps.db, id, ["pending", "running"], { status: "error", error: err.message });
    await insertAudit(deps.db, {
      teamId: auth.teamId,
      ...actorOf(auth),
      action: "capsule.create_failed",
      resourceType: "capsule",
      resourceId: id,
      metadata: { code: err.code, error: err.message },
    });
  } catch (dbErr) {
    log.error({ capsuleId: id, err: dbErr }, "could not record a failed capsule create");
  }
}
