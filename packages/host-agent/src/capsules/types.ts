import type { Tier, MetricPoint } from "../metrics/ring.js";
import type { EnvdConnection } from "../envd/connection.js";

export type CapsuleStatus = "pending" | "running" | "pausing" | "paused" | "resuming" | "stopped" | "error";

export type EgressMode = "allow_all" | "deny_all" | "allow_list";

export interface NetworkPolicy {
  egress: EgressMode;
  allowCidrs: string[];
  allowDomains: string[];
}

/** What the agent knows about one capsule; persisted as JSON under $WRENN_DIR/capsules/<id>/. */
export interface CapsuleRecord {
  id: string;
  template: string;
  status: CapsuleStatus;
  vcpus: number;
  memoryMb: number;
  diskMb: number;
  /** Idle seconds before auto-pause; 0 = never. */
  timeoutSec: number;
  createdAt: number;
  startedAt: number | undefined;
  lastActiveAt: number;
  envdVersion: string;
  /** The capsule's address as the agent reaches it (empty while paused). */
  address: string;
  network: NetworkPolicy;
  metadata: Record<string, string>;
  envs: Record<string, string>;
  defaultUser: string;
  defaultWorkdir: string;
  error: string;
}

export interface CreateCapsuleInput {
  id: string;
  template: string;
  vcpus: number;
  memoryMb: number;
  diskMb: number;
  timeoutSec: number;
  envs: Record<string, string>;
  network: NetworkPolicy;
  metadata: Record<string, string>;
  defaultUser: string;
  defaultWorkdir: string;
}

export interface TemplateRecord {
  name: string;
  kind: "image" | "snapshot";
  sizeBytes: number;
  createdAt: number;
  baseTemplate: string;
  vcpus: number;
  memoryMb: number;
  contentHash: string;
  /** Defaults for capsules made from it (recipe builds and snapshots); absent for built-ins. */
  envs?: Record<string, string>;
  defaultUser?: string;
  defaultWorkdir?: string;
}

export interface HostStats {
  arch: string;
  cpuCores: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  diskTotalBytes: number;
  diskAvailableBytes: number;
  capsulesRunning: number;
  capsulesPaused: number;
  vcpusAllocated: number;
  memoryAllocatedMb: number;
  load1m: number;
  agentVersion: string;
  runtime: string;
  /** Capsules the agent runs for itself, not in capsulesRunning (their resources are in the allocations). */
  capsulesWarm?: number;
  capsulesBuilding?: number;
}

/**
 * What the RPC layer needs from the capsule manager. Every method that takes an id throws
 * WrennError `not_found` for capsules this agent does not hold, `invalid_state` for a
 * capsule in the wrong state and `invalid_request` for bad input.
 */
export interface CapsuleService {
  /** `fromWarmPool` when a ready pool capsule was claimed instead of starting one. */
  create(input: CreateCapsuleInput, signal?: AbortSignal): Promise<CapsuleRecord & { fromWarmPool?: boolean }>;
  destroy(id: string): Promise<void>;
  pause(id: string): Promise<CapsuleRecord>;
  resume(id: string, timeoutSec?: number): Promise<CapsuleRecord>;
  /** Resets the idle timer; optionally changes the timeout. */
  ping(id: string, timeoutSec?: number): CapsuleRecord;
  /** Every capsule held, and the ids auto-paused since the last call (then forgotten). */
  list(): { capsules: CapsuleRecord[]; autoPausedIds: string[] };
  get(id: string): CapsuleRecord;
  /**
   * The envd of a running capsule, marking it active (resets its idle timer). Throws
   * `invalid_state` when the capsule is not running.
   */
  envd(id: string): EnvdConnection;
  updateNetwork(id: string, policy: NetworkPolicy): Promise<CapsuleRecord>;
  createSnapshot(id: string, name: string, overwrite: boolean): Promise<{ template: TemplateRecord; capsule: CapsuleRecord }>;
  deleteSnapshot(name: string): Promise<void>;
  listTemplates(): Promise<TemplateRecord[]>;
  metrics(id: string, tier: Tier): MetricPoint[];
  flushMetrics(id: string): Record<Tier, MetricPoint[]>;
  hostStats(): Promise<HostStats>;
  /** Destroys (or pauses) every capsule; the agent stops afterwards. */
  terminate(pauseCapsules: boolean): Promise<void>;
}
