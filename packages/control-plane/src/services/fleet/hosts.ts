import { randomBytes } from "node:crypto";
import { WrennError, newId, type HeartbeatStats } from "@wrenn/core";
import {
  findHost,
  findHostByRefreshToken,
  findHostByRegistrationToken,
  insertAudit,
  liveHostCapsuleIds,
  listHosts,
  transitionCapsule,
  updateHost,
  type Database,
  type Host,
} from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import { actorOf, type AuthContext } from "../../auth/context.js";
import { signHostToken, verifyHostToken } from "../../auth/host-jwt.js";
import { sha256Hex } from "../../auth/secrets.js";
import type { Deps } from "../../deps.js";
import { isAgentNotFound } from "../capsule-agent-sync.js";
import { emitEvent } from "../events.js";
import { reconcileRecovered } from "./monitor.js";

export const REGISTRATION_TTL_MS = 60 * 60_000;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;

export interface HostJson {
  id: string;
  type: "regular" | "byoc";
  team_id: string | null;
  address: string;
  status: Host["status"];
  mode: "static" | "registered";
  arch: string;
  cpu_cores: number;
  memory_mb: number;
  disk_gb: number;
  tags: string[];
  last_heartbeat_at: string | null;
  created_at: string;
  stats: Record<string, unknown>;
  capsule_count: number;
}

export function hostJson(host: Host, capsuleCount: number): HostJson {
  return {
    id: host.id,
    type: host.type,
    team_id: host.team_id,
    address: host.address,
    status: host.status,
    mode: host.mode,
    arch: host.arch,
    cpu_cores: host.cpu_cores,
    memory_mb: host.memory_mb,
    disk_gb: host.disk_gb,
    tags: host.tags,
    last_heartbeat_at: host.last_heartbeat_at?.toISOString() ?? null,
    created_at: host.created_at.toISOString(),
    stats: host.stats,
    capsule_count: capsuleCount,
  };
}

function newSecret(prefix: string): { plaintext: string; hash: string } {
  const plaintext = `${prefix}${randomBytes(24).toString("base64url")}`;
  return { plaintext, hash: sha256Hex(plaintext) };
}

/** Who may manage a host: platform admins any; owners/admins of a BYOC team their team's byoc hosts. */
function canManage(auth: AuthContext, host: Pick<Host, "type" | "team_id">): boolean {
  if (auth.isAdmin && auth.kind === "user") return true;
  return host.type === "byoc" && host.team_id === auth.teamId && auth.kind === "user" && (auth.role === "owner" || auth.role === "admin");
}

/** A host the caller may manage, or not_found (other teams' hosts do not exist for them). */
export async function loadManagedHost(deps: Deps, auth: AuthContext, id: string): Promise<Host> {
  const host = await findHost(deps.db, id);
  if (!host || !canManage(auth, host)) throw new WrennError("not_found", `host ${id} not found`);
  return host;
}

export async function listVisibleHosts(deps: Deps, auth: AuthContext): Promise<Host[]> {
  if (auth.kind === "user" && auth.isAdmin) return listHosts(deps.db);
  if (auth.kind !== "user" || (auth.role !== "owner" && auth.role !== "admin")) {
    throw new WrennError("forbidden", "hosts are managed by platform administrators, and BYOC hosts by the owners and admins of their team (with a user session)");
  }
  return (await listHosts(deps.db, { teamId: auth.teamId })).filter((h) => h.type === "byoc");
}

/** A pending host and its one-time registration token (valid one hour). */
export async function createHost(deps: Deps, auth: AuthContext, input: { type: "regular" | "byoc"; team_id?: string | undefined; tags: string[] }): Promise<{ host: Host; token: string }> {
  const teamId = input.type === "byoc" ? (input.team_id ?? auth.teamId) : null;
  if (input.type === "regular") {
    if (input.team_id) throw new WrennError("invalid_request", "regular hosts serve every team; team_id is only for byoc hosts");
    if (!(auth.kind === "user" && auth.isAdmin)) throw new WrennError("forbidden", "only platform administrators can add regular hosts");
  } else {
    const team = await deps.db.selectFrom("teams").select(["id", "is_byoc"]).where("id", "=", teamId!).where("deleted_at", "is", null).executeTakeFirst();
    if (!team) throw new WrennError("not_found", `team ${teamId} not found`);
    if (!canManage(auth, { type: "byoc", team_id: team.id })) throw new WrennError("forbidden", "byoc hosts are added by the owners and admins of their team (with a user session), or by platform administrators");
    if (!team.is_byoc) throw new WrennError("forbidden", `team ${team.id} is not enabled for bring-your-own-cloud hosts; ask a platform administrator`);
  }
  const token = newSecret("wrh_");
  const host = await deps.db
    .insertInto("hosts")
    .values({
      id: newId("host"),
      type: input.type,
      team_id: teamId,
      status: "pending",
      mode: "registered",
      tags: JSON.stringify(input.tags),
      registration_token_hash: token.hash,
      registration_expires_at: new Date(Date.now() + REGISTRATION_TTL_MS),
      created_by: auth.userId,
      last_heartbeat_at: null,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertAudit(deps.db, { teamId, ...actorOf(auth), action: "host.create", resourceType: "host", resourceId: host.id, metadata: { type: input.type } });
  return { host, token: token.plaintext };
}

export async function regenerateRegistrationToken(deps: Deps, auth: AuthContext, id: string): Promise<{ host: Host; token: string }> {
  const host = await loadManagedHost(deps, auth, id);
  if (host.status !== "pending") throw new WrennError("conflict", `host ${id} has already registered; registration tokens are only for pending hosts`);
  const token = newSecret("wrh_");
  const updated = await updateHost(deps.db, id, { registration_token_hash: token.hash, registration_expires_at: new Date(Date.now() + REGISTRATION_TTL_MS) });
  await insertAudit(deps.db, { teamId: host.team_id, ...actorOf(auth), action: "host.token_regenerate", resourceType: "host", resourceId: id });
  return { host: updated!, token: token.plaintext };
}

export async function setHostTags(deps: Deps, auth: AuthContext, id: string, tags: string[]): Promise<Host> {
  await loadManagedHost(deps, auth, id);
  deps.fleet.invalidate(id);
  return (await updateHost(deps.db, id, { tags: JSON.stringify(tags) }))!;
}

/**
 * Deletes a host. With capsules on it: `host_has_capsules` listing them (the preview),
 * unless `force`, which destroys them first (as far as the host still answers).
 */
export async function deleteHost(deps: Deps, auth: AuthContext, id: string, force: boolean, log: FastifyBaseLogger): Promise<void> {
  const host = await loadManagedHost(deps, auth, id);
  const capsuleIds = await liveHostCapsuleIds(deps.db, id);
  if (capsuleIds.length > 0 && !force) {
    throw new WrennError("host_has_capsules", `host ${id} still holds ${capsuleIds.length} capsule(s); delete with force=true to destroy them`, { details: { capsule_ids: capsuleIds } });
  }
  for (const capsuleId of capsuleIds) {
    try {
      const agent = await deps.fleet.agentFor(id);
      await agent.client.destroyCapsule({ capsuleId }, { timeoutMs: 30_000 });
    } catch (err) {
      if (!isAgentNotFound(err)) log.warn({ err, capsuleId, hostId: id }, "could not destroy a capsule of a deleted host; it is marked stopped");
    }
    await transitionCapsule(deps.db, capsuleId, ["pending", "running", "paused", "missing"], { status: "stopped", stopped_at: new Date(), error: "its host was deleted" });
  }
  // The refresh token stays: an agent whose host token has expired learns from it that its
  // host is gone (404), rather than being stuck on refusals.
  await updateHost(deps.db, id, { deleted_at: new Date(), registration_token_hash: null });
  deps.fleet.invalidate(id);
  await insertAudit(deps.db, { teamId: host.team_id, ...actorOf(auth), action: "host.delete", resourceType: "host", resourceId: id, metadata: { force, capsules_destroyed: capsuleIds.length } });
}

export interface RegisterInput {
  token: string;
  address: string;
  arch: string;
  cpu_cores: number;
  memory_mb: number;
  disk_gb: number;
}

export interface HostCredentials {
  host: Host;
  token: string;
  token_expires_at: string;
  refresh_token: string;
  cert_pem: string;
  key_pem: string;
  ca_cert_pem: string;
}

/** An agent joins with its one-time token: it gets a host JWT, a refresh token and its mTLS certificate. */
export async function registerHost(deps: Deps, input: RegisterInput): Promise<HostCredentials> {
  const pending = await findHostByRegistrationToken(deps.db, sha256Hex(input.token));
  if (!pending || pending.status !== "pending") throw new WrennError("unauthorized", "this registration token is unknown or already used; create a new one with POST /v1/hosts/{id}/token");
  if (!pending.registration_expires_at || pending.registration_expires_at.getTime() < Date.now()) {
    throw new WrennError("unauthorized", "this registration token has expired (they last one hour); create a new one with POST /v1/hosts/{id}/token");
  }
  const cert = deps.pki.issueAgent(pending.id, input.address);
  const refresh = newSecret("wrr_");
  // Only the first of two concurrent registrations with one token wins.
  const host = await deps.db
    .updateTable("hosts")
    .set({
      address: input.address,
      arch: input.arch,
      cpu_cores: input.cpu_cores,
      memory_mb: input.memory_mb,
      disk_gb: input.disk_gb,
      status: "online",
      mode: "registered",
      registration_token_hash: null,
      registration_expires_at: null,
      refresh_token_hash: refresh.hash,
      refresh_expires_at: new Date(Date.now() + REFRESH_TTL_MS),
      cert_serial: cert.serial,
      cert_expires_at: cert.notAfter,
      last_heartbeat_at: new Date(),
    })
    .where("id", "=", pending.id)
    .where("status", "=", "pending")
    .where("registration_token_hash", "=", sha256Hex(input.token))
    .returningAll()
    .executeTakeFirst();
  if (!host) throw new WrennError("unauthorized", "this registration token was just used by another agent");
  deps.fleet.invalidate(host.id);
  const jwt = await signHostToken(deps.config.jwtSecret, host.id, deps.config.hostTokenTtlSec);
  await insertAudit(deps.db, { teamId: host.team_id, actorType: "host", actorId: host.id, action: "host.register", resourceType: "host", resourceId: host.id, metadata: { address: input.address } });
  await emitEvent(deps, { type: "host.up", teamId: host.team_id, resourceId: host.id, data: { address: host.address } });
  return {
    host,
    token: jwt.token,
    token_expires_at: jwt.expiresAt.toISOString(),
    refresh_token: refresh.plaintext,
    cert_pem: cert.certPem,
    key_pem: cert.keyPem,
    ca_cert_pem: deps.pki.ca.certPem,
  };
}

/** A new host JWT for a refresh token; the refresh token rotates (the old one stops working). */
export async function refreshHostToken(deps: Deps, refreshToken: string): Promise<{ host_id: string; token: string; token_expires_at: string; refresh_token: string }> {
  const host = await findHostByRefreshToken(deps.db, sha256Hex(refreshToken));
  if (host?.deleted_at) throw new WrennError("not_found", `host ${host.id} was deleted; the agent should shut down and forget its credentials`);
  if (!host || !host.refresh_expires_at || host.refresh_expires_at.getTime() < Date.now()) {
    throw new WrennError("unauthorized", "this refresh token is unknown, used or expired; register the agent again");
  }
  const next = newSecret("wrr_");
  const rotated = await deps.db
    .updateTable("hosts")
    .set({ refresh_token_hash: next.hash, refresh_expires_at: new Date(Date.now() + REFRESH_TTL_MS) })
    .where("id", "=", host.id)
    .where("deleted_at", "is", null)
    .where("refresh_token_hash", "=", sha256Hex(refreshToken))
    .returning("id")
    .executeTakeFirst();
  if (!rotated) throw new WrennError("unauthorized", "this refresh token was just used");
  const jwt = await signHostToken(deps.config.jwtSecret, host.id, deps.config.hostTokenTtlSec);
  return { host_id: host.id, token: jwt.token, token_expires_at: jwt.expiresAt.toISOString(), refresh_token: next.plaintext };
}

export type HeartbeatInput = Partial<HeartbeatStats>;

export interface HeartbeatAnswer {
  host_id: string;
  status: Host["status"];
  /** A renewed certificate, when the current one is two thirds through its life. */
  certificate?: { cert_pem: string; key_pem: string; ca_cert_pem: string; expires_at: string };
}

/**
 * A registered agent checks in: its JWT must name this host. A host that was unreachable
 * comes back online (and its capsules are reconciled by the host monitor).
 */
export async function hostHeartbeat(deps: Deps, hostId: string, token: string, input: HeartbeatInput, log: FastifyBaseLogger): Promise<HeartbeatAnswer> {
  const subject = await verifyHostToken(deps.config.jwtSecret, token);
  if (subject !== hostId) throw new WrennError("forbidden", "this host token belongs to another host");
  const host = await findHost(deps.db, hostId);
  if (!host) throw new WrennError("not_found", `host ${hostId} was deleted; the agent should shut down and forget its credentials`);
  const now = new Date();
  const renew = host.cert_expires_at && host.cert_serial ? shouldRenew(host.cert_expires_at, deps.config.hostCertValidSec, now) : false;
  const cert = renew ? deps.pki.issueAgent(host.id, host.address) : undefined;
  const wasDown = host.status === "unreachable";
  const updated = await updateHost(deps.db, hostId, {
    last_heartbeat_at: now,
    stats: JSON.stringify({ ...input, reported_at: now.toISOString() }),
    ...(host.status === "unreachable" || host.status === "pending" ? { status: "online" as const } : {}),
    ...(cert ? { cert_serial: cert.serial, cert_expires_at: cert.notAfter } : {}),
  });
  if (wasDown) await markHostUp(deps, host, log);
  return {
    host_id: hostId,
    status: updated?.status ?? host.status,
    ...(cert ? { certificate: { cert_pem: cert.certPem, key_pem: cert.keyPem, ca_cert_pem: deps.pki.ca.certPem, expires_at: cert.notAfter.toISOString() } } : {}),
  };
}

/** Renew once a third of the certificate's life is left. */
function shouldRenew(expiresAt: Date, validSec: number, now: Date): boolean {
  return expiresAt.getTime() - now.getTime() < (validSec * 1000) / 3;
}

/** A host answered again: audit, event, and its capsules are reconciled at once. */
export async function markHostUp(deps: Deps, host: Host, log: FastifyBaseLogger): Promise<void> {
  deps.fleet.invalidate(host.id);
  log.info({ hostId: host.id }, "host is back online");
  await insertAudit(deps.db, { teamId: host.team_id, actorType: "system", actorId: null, action: "host.up", resourceType: "host", resourceId: host.id });
  await emitEvent(deps, { type: "host.up", teamId: host.team_id, resourceId: host.id, data: { address: host.address } });
  reconcileRecovered(deps, host.id, log);
}

/**
 * The hosts row of the static agent (WRENN_AGENT_URL: `wrenn up`, simple split mode),
 * found by address, created on first start. It is marked online now; the host monitor
 * probes it from then on (its stats are its heartbeat).
 */
export async function ensureLocalHost(db: Kysely<Database>, address: string): Promise<string> {
  const existing = await db.selectFrom("hosts").select("id").where("address", "=", address).where("mode", "=", "static").where("deleted_at", "is", null).executeTakeFirst();
  if (existing) {
    await db.updateTable("hosts").set({ status: "online", last_heartbeat_at: new Date() }).where("id", "=", existing.id).execute();
    return existing.id;
  }
  const id = newId("host");
  await db.insertInto("hosts").values({ id, address, status: "online", mode: "static", team_id: null, last_heartbeat_at: new Date(), deleted_at: null }).execute();
  return id;
}
