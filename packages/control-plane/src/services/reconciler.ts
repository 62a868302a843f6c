import { timestampMs } from "@bufbuild/protobuf/wkt";
import { insertAudit, listHostCapsules, transitionCapsule, type Capsule, type CapsuleUpdate } from "@wrenn/db";
import type { CapsuleInfo } from "@wrenn/proto/hostagent/v1";
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import type { Deps } from "../deps.js";
import { DISAPPEARED, dbStatusOf, statusPatch } from "./capsule-agent-sync.js";
import { flushCapsuleMetrics } from "./capsule-metrics.js";
import { emitEvent } from "./events.js";
import { startLeasedWorker } from "./fleet/leased-worker.js";

export interface Reconciler {
  /** One pass now (tests call this instead of waiting). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** A create that has not finished by then has failed without telling us (the agent adds capsules only once they run). */
const STALE_PENDING_MS = 15 * 60_000;
/** last_active_at is copied from the agent only when it moved this much, to keep idle passes write-free. */
const ACTIVITY_SLACK_MS = 5_000;

interface Change {
  patch: CapsuleUpdate;
  action: string;
  flush: boolean;
}

/** What one row needs, given what its agent reports (undefined: nothing). */
function changeFor(row: Capsule, info: CapsuleInfo | undefined, autoPaused: boolean, now: number): Change | undefined {
  if (!info) {
    if (row.status === "pending") {
      return now - row.created_at.getTime() > STALE_PENDING_MS ? { patch: { status: "error", error: "capsule create never completed" }, action: "capsule.error", flush: false } : undefined;
    }
    return { patch: { ...statusPatch("stopped", undefined), error: DISAPPEARED }, action: "capsule.lost", flush: false };
  }
  // A pending row belongs to a create still in flight; it settles the row itself.
  if (row.status === "pending") return undefined;
  const status = dbStatusOf(info.status);
  if (!status) return undefined;
  if (status !== row.status) {
    const action = status === "paused" && autoPaused ? "capsule.auto_pause" : `capsule.${status === "stopped" ? "lost" : status === "error" ? "error" : "sync"}`;
    return { patch: statusPatch(status, info), action, flush: status === "paused" || status === "stopped" };
  }
  if (status === "running" && info.lastActiveAt) {
    const agentActive = timestampMs(info.lastActiveAt);
    if (agentActive - (row.last_active_at?.getTime() ?? 0) >= ACTIVITY_SLACK_MS) return { patch: { last_active_at: new Date(agentActive) }, action: "", flush: false };
  }
  return undefined;
}

/**
 * Repairs drift between the host agent (the truth about what runs) and the database:
 * capsules the agent paused on idle become paused, capsules it no longer holds become
 * stopped, rows that say otherwise than the agent follow the agent. Capsules the agent
 * holds without a row here are left alone (another control plane may own them).
 */
export async function reconcileOnce(deps: Deps, log: FastifyBaseLogger): Promise<number> {
  let repaired = 0;
  const failures: unknown[] = [];
  for (const agent of await deps.fleet.onlineAgents()) {
    try {
      repaired += await reconcileHost(deps, agent.hostId, log);
    } catch (err) {
      failures.push(err);
      log.warn({ err, hostId: agent.hostId }, "could not reconcile a host; its agent may be unreachable");
    }
  }
  if (failures.length > 0 && repaired === 0) throw failures[0];
  return repaired;
}

/** One host's capsules against its agent's list. */
export async function reconcileHost(deps: Deps, hostId: string, log: FastifyBaseLogger): Promise<number> {
  const agent = await deps.fleet.agentFor(hostId);
  // Rows first, then the agent's list: a create that finishes in between is still pending
  // in our copy (left alone), never a running row the list does not have yet ("vanished").
  const rows = await listHostCapsules(deps.db, hostId, ["pending", "running", "paused", "missing"]);
  const { capsules, autoPausedIds } = await agent.client.listCapsules({}, { timeoutMs: 15_000 });
  const byId = new Map(capsules.map((c) => [c.capsuleId, c]));
  const autoPaused = new Set(autoPausedIds);
  const now = Date.now();
  let repaired = 0;
  for (const row of rows) {
    const change = changeFor(row, byId.get(row.id), autoPaused.has(row.id), now);
    if (!change) continue;
    try {
      if (change.flush) await flushCapsuleMetrics(deps, row.id, log);
      const updated = await transitionCapsule(deps.db, row.id, [row.status], change.patch);
      if (!updated || !change.action) continue;
      repaired++;
      log.info({ capsuleId: row.id, from: row.status, to: updated.status }, "reconciler repaired a capsule's status");
      await insertAudit(deps.db, {
        teamId: row.team_id,
        actorType: "system",
        actorId: null,
        action: change.action,
        resourceType: "capsule",
        resourceId: row.id,
        metadata: { from: row.status, to: updated.status, ...(updated.error ? { error: updated.error } : {}) },
      });
      const event = ({ running: "capsule.running", paused: "capsule.paused", stopped: "capsule.destroyed" } as const)[updated.status as "running" | "paused" | "stopped"];
      if (event) await emitEvent(deps, { type: event, teamId: row.team_id, resourceId: row.id, data: { template: row.template, reason: change.action } });
    } catch (err) {
      log.error({ err, capsuleId: row.id }, "reconciler could not repair a capsule; will retry next pass");
    }
  }
  return repaired;
}

/** Runs reconcileOnce every `reconcileIntervalSec` on one replica at a time. */
export function startReconciler(deps: Deps, options: { log?: FastifyBaseLogger } = {}): Reconciler {
  const log = options.log ?? pino({ level: deps.config.logLevel, name: "reconciler" });
  return startLeasedWorker(deps, { name: "reconciler", intervalMs: Math.max(1, deps.config.reconcileIntervalSec) * 1000, log, run: () => reconcileOnce(deps, log) });
}
