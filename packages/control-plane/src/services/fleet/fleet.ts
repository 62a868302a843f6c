import type { Transport } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { findHost, listHosts, placementView, type Database, type Host, type PlacementView } from "@wrenn/db";
import type { Kysely } from "kysely";
import { connectAgent, type AgentHandle, type AgentTls } from "../../agent/client.js";
import { leastLoaded, type HostCandidate, type PlacementPolicy, type PlacementStrategy } from "./placement.js";

/** How long a host row is trusted before it is read again (address and status rarely change). */
const HOST_CACHE_MS = 2_000;
const MAX_CACHED_CAPSULES = 50_000;

export interface PlaceRequest {
  /** null: a platform build (regular hosts only). */
  teamId: string | null;
  vcpus: number;
  memoryMb: number;
  diskMb: number;
  /** The capsule must go to this host (a snapshot template lives only there). */
  hostId?: string | null;
}

/**
 * The control plane's view of its host agents: an RPC handle per host (cleartext to the
 * static agent of `wrenn up`, mTLS to registered ones) and placement of new capsules.
 * Hosts are rows in the database, so every replica sees the same fleet.
 */
export class Fleet {
  private readonly handles = new Map<string, { key: string; handle: AgentHandle }>();
  private readonly rows = new Map<string, { at: number; host: Host | undefined }>();
  /** Capsule → host: a capsule never moves, so this can only go stale by being absent. */
  private readonly capsuleHosts = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: {
      /** The control plane's current client certificate (renewed in place). */
      tls: () => AgentTls | undefined;
      policy: PlacementPolicy;
      strategy?: PlacementStrategy;
      /** Called for an online static host whose specs are still unknown, before placing. */
      onUnknownSpecs?: (host: Host) => Promise<void>;
      /** A static agent running in this process (`wrenn up`): its address and in-memory transport. */
      local?: { url: string; transport: Transport };
    },
  ) {}

  /** The agent of the host a capsule, template or build lives on. */
  async agentFor(hostId: string | null | undefined): Promise<AgentHandle> {
    if (!hostId) throw new WrennError("host_unavailable", "this capsule has no host; it was never placed");
    const host = await this.host(hostId);
    if (!host) throw new WrennError("host_unavailable", `host ${hostId} is gone (deleted); what it held cannot be reached`);
    return this.handleOf(host);
  }

  /** The agent of a capsule's host, from its row or (cached) its id. */
  async capsuleAgent(capsule: string | { id: string; host_id: string | null }): Promise<AgentHandle> {
    if (typeof capsule !== "string") return this.agentFor(capsule.host_id);
    let hostId = this.capsuleHosts.get(capsule);
    if (!hostId) {
      const row = await this.db.selectFrom("capsules").select("host_id").where("id", "=", capsule).executeTakeFirst();
      if (!row) throw new WrennError("not_found", `capsule ${capsule} not found`);
      if (!row.host_id) return this.agentFor(null);
      hostId = row.host_id;
      if (this.capsuleHosts.size >= MAX_CACHED_CAPSULES) this.capsuleHosts.clear();
      this.capsuleHosts.set(capsule, hostId);
    }
    return this.agentFor(hostId);
  }

  /**
   * Chooses the host for a new capsule: the pinned host when the template lives on one,
   * else the strategy's pick among the hosts the team may use.
   */
  async place(request: PlaceRequest, view?: PlacementView): Promise<AgentHandle> {
    view ??= await this.view(request.teamId);
    const unknown = view.hosts.filter((h) => h.mode === "static" && h.status === "online" && (h.cpu_cores === 0 || h.memory_mb === 0));
    if (unknown.length > 0 && this.options.onUnknownSpecs) {
      await Promise.all(unknown.map((h) => this.options.onUnknownSpecs!(h)));
      view = await this.view(request.teamId);
    }
    const { hosts, loads } = view;
    const candidates = hosts.filter((h) => !request.hostId || h.id === request.hostId).map((h) => candidateOf(h, loads));
    const strategy = this.options.strategy ?? leastLoaded;
    const decision = strategy.choose(
      { teamId: request.teamId ?? "", teamIsByoc: view.teamIsByoc, vcpus: request.vcpus, memoryMb: request.memoryMb, diskMb: request.diskMb },
      candidates,
      this.options.policy,
    );
    if (!decision.host) {
      const where = request.hostId ? ` (this template lives only on host ${request.hostId})` : "";
      throw new WrennError("no_hosts_available", `no host can take this capsule${where}: ${decision.reason}`);
    }
    const host = hosts.find((h) => h.id === decision.host!.id)!;
    return this.handleOf(host);
  }

  /** What placement reads: hosts, their loads, the team's BYOC flag (read it early, then `place`). */
  view(teamId: string | null): Promise<PlacementView> {
    return placementView(this.db, teamId);
  }

  /** Online hosts (for listing built-in templates, health, the reconciler). */
  async onlineAgents(): Promise<AgentHandle[]> {
    const hosts = await listHosts(this.db, { statuses: ["online"] });
    return hosts.map((h) => this.handleOf(h));
  }

  /** Forgets cached rows and handles (after a host changed, or certificates rotated). */
  invalidate(hostId?: string): void {
    if (hostId) {
      this.rows.delete(hostId);
      this.handles.delete(hostId);
    } else {
      this.rows.clear();
      this.handles.clear();
    }
  }

  private async host(id: string): Promise<Host | undefined> {
    const cached = this.rows.get(id);
    if (cached && Date.now() - cached.at < HOST_CACHE_MS) return cached.host;
    const host = await findHost(this.db, id);
    this.rows.set(id, { at: Date.now(), host });
    return host;
  }

  private handleOf(host: Host): AgentHandle {
    const tls = host.mode === "registered" ? this.options.tls() : undefined;
    if (host.mode === "registered" && !tls) throw new WrennError("host_unavailable", `host ${host.id} needs mTLS but the control plane has no client certificate`);
    const url = host.mode === "registered" ? `https://${host.address}` : host.address;
    const key = `${url}|${tls?.certPem ?? ""}`;
    const cached = this.handles.get(host.id);
    if (cached?.key === key) return cached.handle;
    const local = host.mode === "static" && this.options.local?.url === url ? this.options.local.transport : undefined;
    const handle = connectAgent(host.id, url, tls, local);
    this.handles.set(host.id, { key, handle });
    return handle;
  }
}

function candidateOf(host: Host, loads: Map<string, { running: { vcpus: number; memoryMb: number; diskMb: number }; paused: { vcpus: number; memoryMb: number; diskMb: number } }>): HostCandidate {
  const load = loads.get(host.id);
  const zero = { vcpus: 0, memoryMb: 0, diskMb: 0 };
  const stats = host.stats as { disk_free_gb?: unknown; vcpus_allocated?: unknown; memory_allocated_mb?: unknown };
  // The agent's own count includes what the database does not know: warm-pool spares and builds.
  const agentVcpus = typeof stats.vcpus_allocated === "number" ? stats.vcpus_allocated : 0;
  const agentMemory = typeof stats.memory_allocated_mb === "number" ? stats.memory_allocated_mb : 0;
  return {
    id: host.id,
    type: host.type,
    teamId: host.team_id,
    status: host.status,
    cpuCores: host.cpu_cores,
    memoryMb: host.memory_mb,
    diskGb: host.disk_gb,
    tags: host.tags,
    running: {
      vcpus: Math.max(load?.running.vcpus ?? 0, agentVcpus),
      memoryMb: Math.max(load?.running.memoryMb ?? 0, agentMemory),
      diskMb: load?.running.diskMb ?? 0,
    },
    paused: load ? { vcpus: load.paused.vcpus, memoryMb: load.paused.memoryMb, diskMb: load.paused.diskMb } : zero,
    ...(typeof stats.disk_free_gb === "number" ? { diskFreeGb: stats.disk_free_gb } : {}),
  };
}
