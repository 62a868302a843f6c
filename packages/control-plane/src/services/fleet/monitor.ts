import { insertAudit, listHosts, updateHost, type Host } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import { heartbeatStatsOf } from "@wrenn/core";
import type { Deps } from "../../deps.js";
import { emitEvent } from "../events.js";
import { reconcileHost } from "../reconciler.js";
import { markHostUp } from "./hosts.js";
import { startLeasedWorker, type LeasedWorker } from "./leased-worker.js";

/** The capsules of an unreachable host keep this as their error until it is back. */
export const HOST_LOST = "its host stopped answering";

/**
 * One pass of the host monitor: static agents (named by WRENN_AGENT_URL) are asked for
 * their stats, which is their heartbeat; registered agents send their own. A host silent
 * for `heartbeatTimeoutSec` becomes `unreachable` and its capsules `missing`; a host that
 * answers again is `online` and reconciled.
 */
export async function checkHostsOnce(deps: Deps, log: FastifyBaseLogger): Promise<void> {
  const hosts = await listHosts(deps.db);
  await Promise.all(hosts.filter((h) => h.mode === "static").map((h) => probeStaticHost(deps, h, log)));
  const cutoff = new Date(Date.now() - deps.config.heartbeatTimeoutSec * 1000);
  const lost = await deps.db
    .updateTable("hosts")
    .set({ status: "unreachable" })
    .where("status", "=", "online")
    .where("deleted_at", "is", null)
    .where((eb) => eb.or([eb("last_heartbeat_at", "is", null), eb("last_heartbeat_at", "<", cutoff)]))
    .returningAll()
    .execute();
  for (const host of lost) await markHostDown(deps, host, log);
}

export async function probeStaticHost(deps: Deps, host: Host, log: FastifyBaseLogger): Promise<void> {
  let stats;
  try {
    stats = await (await deps.fleet.agentFor(host.id)).client.getHostStats({}, { timeoutMs: 5_000 });
  } catch {
    return;
  }
  const figures = heartbeatStatsOf(stats);
  const updated = await updateHost(deps.db, host.id, {
    last_heartbeat_at: new Date(),
    arch: stats.arch,
    cpu_cores: stats.cpuCores,
    memory_mb: figures.memory_total_mb,
    disk_gb: figures.disk_total_gb,
    stats: JSON.stringify({ ...figures, reported_at: new Date().toISOString() }),
    ...(host.status !== "online" ? { status: "online" as const } : {}),
  });
  if (updated && host.status === "unreachable") await markHostUp(deps, host, log);
}

/** A host went silent: its capsules are missing (not stopped: it may come back), audit and event. */
export async function markHostDown(deps: Deps, host: Host, log: FastifyBaseLogger): Promise<void> {
  deps.fleet.invalidate(host.id);
  const missing = await deps.db
    .updateTable("capsules")
    .set({ status: "missing", error: HOST_LOST })
    .where("host_id", "=", host.id)
    .where("status", "in", ["running", "paused"])
    .returning(["id", "team_id"])
    .execute();
  log.warn({ hostId: host.id, capsules: missing.length }, "host is unreachable; its capsules are missing until it answers again");
  await insertAudit(deps.db, {
    teamId: host.team_id,
    actorType: "system",
    actorId: null,
    action: "host.down",
    resourceType: "host",
    resourceId: host.id,
    metadata: { last_heartbeat_at: host.last_heartbeat_at?.toISOString() ?? null, capsules_missing: missing.length },
  });
  await emitEvent(deps, { type: "host.down", teamId: host.team_id, resourceId: host.id, data: { address: host.address, capsules_missing: missing.length } });
}

/** The host monitor, on one replica at a time (every `hostMonitorIntervalSec`). */
export function startHostMonitor(deps: Deps, log: FastifyBaseLogger): LeasedWorker {
  return startLeasedWorker(deps, { name: "host-monitor", intervalMs: deps.config.hostMonitorIntervalSec * 1000, log, run: () => checkHostsOnce(deps, log) });
}

/** Reconciles a host that came back, in the background (its capsules leave `missing`). */
export function reconcileRecovered(deps: Deps, hostId: string, log: FastifyBaseLogger): void {
  reconcileHost(deps, hostId, log).catch((err: unknown) => log.warn({ err, hostId }, "could not reconcile a host that came back; the reconciler will retry"));
}

