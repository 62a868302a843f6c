import type { ConnectionOptions } from "../config.js";
import { InvalidArgumentError } from "../errors.js";

export type CapsuleStatus = "pending" | "running" | "paused" | "stopped" | "error" | "missing";

/** A capsule as the API describes it. */
export interface CapsuleInfo {
  capsuleId: string;
  status: CapsuleStatus;
  /** Template (built-in image or snapshot) it was created from. */
  template: string;
  vcpus: number;
  memoryMb: number;
  /** Idle time before the capsule is paused automatically, in ms; 0 = never. */
  timeoutMs: number;
  createdAt: Date;
  startedAt: Date | undefined;
  lastActiveAt: Date | undefined;
  hostId: string | undefined;
  metadata: Record<string, string>;
  envdVersion: string;
  /** Why the capsule is in status `error` (or stopped unexpectedly). */
  error?: string;
}

/** Egress policy of a capsule. */
export interface NetworkOptions {
  /** `allow_all` (default), `deny_all`, or `allow_list` (only `allowCidrs` / `allowDomains`). */
  egress?: "allow_all" | "deny_all" | "allow_list";
  allowCidrs?: string[];
  allowDomains?: string[];
}

export interface CapsuleCreateOptions extends ConnectionOptions {
  /** Template name: a built-in image (default `minimal`) or one of your snapshots. */
  template?: string;
  /** Virtual CPUs (1–8, default 1). */
  vcpus?: number;
  /** Memory in MiB (128–16384, default 512). */
  memoryMb?: number;
  /**
   * Idle time in ms after which the capsule is paused automatically (default 300 000;
   * 0 = never). Any API call on it counts as activity; `ping()` resets it explicitly.
   */
  timeoutMs?: number;
  /** Environment variables for every process in the capsule. */
  envs?: Record<string, string>;
  /** Your labels (string → string); `Capsule.list({ metadata })` filters by them. */
  metadata?: Record<string, string>;
  network?: NetworkOptions;
}

export interface CapsuleListOptions extends ConnectionOptions {
  status?: Exclude<CapsuleStatus, "stopped">;
  /** Only capsules whose metadata has all these pairs. */
  metadata?: Record<string, string>;
}

export type MetricsRange = "5m" | "10m" | "1h" | "2h" | "6h" | "12h" | "24h";

/** One sample of a capsule's resource use. */
export interface CapsuleMetric {
  timestamp: Date;
  /** CPU use in percent of the capsule's vCPUs. */
  cpuPct: number;
  memBytes: number;
  diskBytes: number;
}

/** A template: a built-in image or a snapshot of a capsule. */
export interface TemplateInfo {
  name: string;
  type: "base" | "snapshot";
  /** The built-in template a snapshot derives from (empty for built-ins). */
  baseTemplate: string;
  /** Specs a snapshot restores to (undefined for built-ins). */
  vcpus: number | undefined;
  memoryMb: number | undefined;
  sizeBytes: number;
  createdAt: Date | undefined;
}

/** @internal The API's JSON shapes. */
export interface CapsuleJson {
  id: string;
  status: CapsuleStatus;
  template: string;
  vcpus: number;
  memory_mb: number;
  timeout_sec: number;
  created_at: string;
  started_at: string | null;
  last_active_at: string | null;
  host_id: string | null;
  metadata: Record<string, string>;
  envd_version: string;
  error?: string;
}

/** @internal */
export interface TemplateJson {
  name: string;
  type: "base" | "snapshot";
  base_template: string;
  vcpus: number | null;
  memory_mb: number | null;
  size_bytes: number;
  created_at: string | null;
}

const dateOf = (s: string | null): Date | undefined => (s ? new Date(s) : undefined);

/** @internal */
export function capsuleInfoOf(json: CapsuleJson): CapsuleInfo {
  return {
    capsuleId: json.id,
    status: json.status,
    template: json.template,
    vcpus: json.vcpus,
    memoryMb: json.memory_mb,
    timeoutMs: json.timeout_sec * 1000,
    createdAt: new Date(json.created_at),
    startedAt: dateOf(json.started_at),
    lastActiveAt: dateOf(json.last_active_at),
    hostId: json.host_id ?? undefined,
    metadata: json.metadata,
    envdVersion: json.envd_version,
    ...(json.error ? { error: json.error } : {}),
  };
}

/** @internal */
export function templateInfoOf(json: TemplateJson): TemplateInfo {
  return {
    name: json.name,
    type: json.type,
    baseTemplate: json.base_template,
    vcpus: json.vcpus ?? undefined,
    memoryMb: json.memory_mb ?? undefined,
    sizeBytes: json.size_bytes,
    createdAt: dateOf(json.created_at),
  };
}

/** Milliseconds → whole seconds for the API (rounded up, so a deadline is never shortened). */
export function secondsOf(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`${name} is ${ms}: pass milliseconds ≥ 0 (0 = never)`, { code: "invalid_request" });
  return Math.ceil(ms / 1000);
}
