import { timestampDate } from "@bufbuild/protobuf/wkt";
import { WrennError } from "@wrenn/core";
import { findTeamCapsule, insertAudit, transitionCapsule, updateCapsule, type Capsule } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import { actorOf, type AuthContext } from "../auth/context.js";
import type { Deps } from "../deps.js";
import { isAgentInvalidState, isAgentNotFound, statusPatch, syncCapsuleFromAgent } from "./capsule-agent-sync.js";
import { flushCapsuleMetrics } from "./capsule-metrics.js";
import { emitEvent } from "./events.js";

/** Lifecycle operations on a capsule the caller's team owns (loaded by capsule-access). */

async function audit(deps: Deps, auth: AuthContext, action: string, capsule: Capsule, metadata: Record<string, unknown> = {}): Promise<void> {
  await insertAudit(deps.db, { teamId: auth.teamId, ...actorOf(auth), action, resourceType: "capsule", resourceId: capsule.id, metadata });
}

function requireStatus(capsule: Capsule, allowed: readonly Capsule["status"][], action: string): void {
  if (allowed.includes(capsule.status)) return;
  const already = (action === "be paused" && capsule.status === "paused") || (action === "be resumed" && capsule.status === "running");
  if (already) throw new WrennError("invalid_state", `capsule ${capsule.id} is already ${capsule.status}`);
  const hint = capsule.status === "paused" ? "; resume it first (POST /v1/capsules/{id}/resume)" : "";
  throw new WrennError("invalid_state", `capsule ${capsule.id} is ${capsule.status}; only a ${allowed.join(" or ")} capsule can ${action}${hint}`);
}

/** The row as it is now (after a concurrent change beat ours). */
async function current(deps: Deps, capsule: Capsule): Promise<Capsule> {
  return (await findTeamCapsule(deps.db, capsule.team_id, capsule.id)) ?? capsule;
}

/**
 * Runs an agent call; when the agent refuses it because its state differs from the
 * database's, repairs the row and reports the real state instead of a stale one.
 */
async function withStateRepair<T>(deps: Deps, capsule: Capsule, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isAgentInvalidState(err) && !isAgentNotFound(err)) throw err;
    const repaired = await syncCapsuleFromAgent(deps, capsule).catch(() => undefined);
    if (repaired) throw new WrennError("invalid_state", `capsule ${capsule.id} is ${repaired.status} (its host had changed it); retry if you still need this`, { cause: err });
    throw err;
  }
}

export async function destroyCapsule(deps: Deps, auth: AuthContext, capsule: Capsule, log: FastifyBaseLogger): Promise<void> {
  await flushCapsuleMetrics(deps, capsule.id, log);
  try {
    await (await deps.fleet.capsuleAgent(capsule)).client.destroyCapsule({ capsuleId: capsule.id });
  } catch (err) {
    // Already gone from its host (or the host itself was deleted): the row only has to catch up.
    if (!isAgentNotFound(err) && !WrennError.is(err, "host_unavailable")) throw err;
  }
  await updateCapsule(deps.db, capsule.id, { status: "stopped", stopped_at: new Date() });
  await audit(deps, auth, "capsule.destroy", capsule);
  await emitEvent(deps, { type: "capsule.destroyed", teamId: capsule.team_id, resourceId: capsule.id, data: { template: capsule.template } });
}

export async function pauseCapsule(deps: Deps, auth: AuthContext, capsule: Capsule, log: FastifyBaseLogger): Promise<Capsule> {
  requireStatus(capsule, ["running"], "be paused");
  const { capsule: info } = await withStateRepair(deps, capsule, async () => (await deps.fleet.capsuleAgent(capsule)).client.pauseCapsule({ capsuleId: capsule.id }));
  await flushCapsuleMetrics(deps, capsule.id, log);
  const row = (await transitionCapsule(deps.db, capsule.id, ["running"], statusPatch("paused", info))) ?? (await current(deps, capsule));
  await audit(deps, auth, "capsule.pause", capsule);
  await emitEvent(deps, { type: "capsule.paused", teamId: capsule.team_id, resourceId: capsule.id, data: { template: capsule.template } });
  return row;
}

export async function resumeCapsule(deps: Deps, auth: AuthContext, capsule: Capsule, timeoutSec: number | undefined): Promise<Capsule> {
  requireStatus(capsule, ["paused"], "be resumed");
  const { capsule: info } = await withStateRepair(deps, capsule, async () => (await deps.fleet.capsuleAgent(capsule)).client.resumeCapsule({ capsuleId: capsule.id, timeoutSec: timeoutSec ?? 0 }));
  const patch = { ...statusPatch("running", info), ...(timeoutSec !== undefined ? { timeout_sec: timeoutSec } : {}) };
  const row = (await transitionCapsule(deps.db, capsule.id, ["paused"], patch)) ?? (await current(deps, capsule));
  await audit(deps, auth, "capsule.resume", capsule, timeoutSec !== undefined ? { timeout_sec: timeoutSec } : {});
  await emitEvent(deps, { type: "capsule.running", teamId: capsule.team_id, resourceId: capsule.id, data: { template: capsule.template, resumed: true } });
  return row;
}

/** Resets the idle timer of a running capsule. */
export async function pingCapsule(deps: Deps, auth: AuthContext, capsule: Capsule): Promise<Capsule> {
  requireStatus(capsule, ["running"], "be pinged");
  const { capsule: info } = await withStateRepair(deps, capsule, async () => (await deps.fleet.capsuleAgent(capsule)).client.pingCapsule({ capsuleId: capsule.id }));
  const lastActive = info?.lastActiveAt ? timestampDate(info.lastActiveAt) : new Date();
  const row = (await updateCapsule(deps.db, capsule.id, { last_active_at: lastActive })) ?? capsule;
  await audit(deps, auth, "capsule.ping", capsule);
  return row;
}

/** Changes the idle timeout (and, for a running capsule, restarts the idle timer). */
export async function setCapsuleTimeout(deps: Deps, auth: AuthContext, capsule: Capsule, timeoutSec: number): Promise<Capsule> {
  requireStatus(capsule, ["running", "paused"], "have its timeout changed");
  const { capsule: info } = await withStateRepair(deps, capsule, async () => (await deps.fleet.capsuleAgent(capsule)).client.pingCapsule({ capsuleId: capsule.id, timeoutSec }));
  const lastActive = capsule.status === "running" && info?.lastActiveAt ? { last_active_at: timestampDate(info.lastActiveAt) } : {};
  const row = (await updateCapsule(deps.db, capsule.id, { timeout_sec: timeoutSec, ...lastActive })) ?? capsule;
  await audit(deps, auth, "capsule.timeout", capsule, { timeout_sec: timeoutSec });
  return row;
}
