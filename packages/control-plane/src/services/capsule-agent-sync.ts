import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { transitionCapsule, type Capsule, type CapsuleStatus, type CapsuleUpdate } from "@wrenn/db";
import { CapsuleStatus as AgentStatus, type CapsuleInfo } from "@wrenn/proto/hostagent/v1";
import type { Deps } from "../deps.js";

/** The database status an agent status settles to; undefined while it is in transition. */
export function dbStatusOf(status: AgentStatus): CapsuleStatus | undefined {
  switch (status) {
    case AgentStatus.RUNNING:
      return "running";
    case AgentStatus.PAUSED:
      return "paused";
    case AgentStatus.STOPPED:
      return "stopped";
    case AgentStatus.ERROR:
      return "error";
    default:
      return undefined;
  }
}

/** The columns the agent is the authority on (specs can differ from the request for snapshots). */
export function agentFacts(info: CapsuleInfo): CapsuleUpdate {
  return {
    vcpus: info.vcpus,
    memory_mb: info.memoryMb,
    disk_mb: info.diskMb,
    timeout_sec: info.timeoutSec,
    envd_version: info.envdVersion,
    ...(info.startedAt ? { started_at: timestampDate(info.startedAt) } : {}),
    ...(info.lastActiveAt ? { last_active_at: timestampDate(info.lastActiveAt) } : {}),
  };
}

/** The row changes that move a capsule into `status` as the agent reports it. */
export function statusPatch(status: CapsuleStatus, info: CapsuleInfo | undefined, now = new Date()): CapsuleUpdate {
  const facts = info ? agentFacts(info) : {};
  switch (status) {
    case "running":
      return { ...facts, status, paused_at: null, error: null };
    case "paused":
      return { ...facts, status, paused_at: now };
    case "stopped":
      return { status, stopped_at: now };
    default:
      return { status, ...(info?.error ? { error: info.error } : {}) };
  }
}

/** The error a row keeps when its capsule vanished from the host without being destroyed through us. */
export const DISAPPEARED = "capsule disappeared from its host";

export const isAgentNotFound = (err: unknown): boolean => err instanceof ConnectError && err.code === Code.NotFound;
export const isAgentInvalidState = (err: unknown): boolean => err instanceof ConnectError && err.code === Code.FailedPrecondition;

/**
 * Brings one capsule's row in line with its agent (after the agent refused an operation
 * because its state differs from ours). Answers the row after the repair, or undefined
 * when nothing could be learned.
 */
export async function syncCapsuleFromAgent(deps: Deps, capsule: Capsule): Promise<Capsule | undefined> {
  const { capsules } = await (await deps.fleet.capsuleAgent(capsule)).client.listCapsules({});
  const info = capsules.find((c) => c.capsuleId === capsule.id);
  if (!info) return transitionCapsule(deps.db, capsule.id, [capsule.status], { ...statusPatch("stopped", undefined), error: DISAPPEARED });
  const status = dbStatusOf(info.status);
  if (!status || status === capsule.status) return undefined;
  return transitionCapsule(deps.db, capsule.id, [capsule.status], statusPatch(status, info));
}
