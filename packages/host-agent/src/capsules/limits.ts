import { cpus, totalmem } from "node:os";
import { WrennError, isId } from "@wrenn/core";
import type { CreateCapsuleInput, NetworkPolicy } from "./types.js";

export const MIN_MEMORY_MB = 128;
export const MIN_DISK_MB = 256;
export const MAX_DISK_MB = 256 * 1024;
export const DEFAULT_DISK_MB = 4096;
export const MAX_TIMEOUT_SEC = 30 * 24 * 3600;

/** Checks a create request against this host; messages name the input, the limit and the fix. */
export function validateCreate(input: CreateCapsuleInput): CreateCapsuleInput {
  const maxVcpus = cpus().length;
  const maxMemoryMb = Math.floor(totalmem() / 1024 / 1024);
  if (!isId("capsule", input.id)) {
    throw new WrennError("invalid_request", `capsule_id "${input.id}" must be "cl-" followed by 25 lower-case base36 characters`);
  }
  if (!Number.isInteger(input.vcpus) || input.vcpus < 1 || input.vcpus > maxVcpus) {
    throw new WrennError("invalid_request", `vcpus must be from 1 to ${maxVcpus} on this host, got ${input.vcpus}`);
  }
  if (!Number.isInteger(input.memoryMb) || input.memoryMb < MIN_MEMORY_MB || input.memoryMb > maxMemoryMb) {
    throw new WrennError("invalid_request", `memory_mb must be from ${MIN_MEMORY_MB} to ${maxMemoryMb} on this host, got ${input.memoryMb}`);
  }
  const diskMb = input.diskMb || DEFAULT_DISK_MB;
  if (!Number.isInteger(diskMb) || diskMb < MIN_DISK_MB || diskMb > MAX_DISK_MB) {
    throw new WrennError("invalid_request", `disk_mb must be from ${MIN_DISK_MB} to ${MAX_DISK_MB}, got ${diskMb}`);
  }
  if (!Number.isInteger(input.timeoutSec) || input.timeoutSec < 0 || input.timeoutSec > MAX_TIMEOUT_SEC) {
    throw new WrennError("invalid_request", `timeout_sec must be from 0 (never) to ${MAX_TIMEOUT_SEC}, got ${input.timeoutSec}`);
  }
  for (const [key, value] of Object.entries(input.envs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new WrennError("invalid_request", `env var name "${key}" is not a valid identifier`);
    if (value.includes("\0")) throw new WrennError("invalid_request", `env var ${key} contains a NUL byte`);
  }
  return { ...input, diskMb, network: normalizePolicy(input.network) };
}

export function normalizePolicy(policy: Partial<NetworkPolicy> | undefined): NetworkPolicy {
  return {
    egress: policy?.egress ?? "allow_all",
    allowCidrs: policy?.allowCidrs ?? [],
    allowDomains: policy?.allowDomains ?? [],
  };
}

/** Specs of a warm-pool spare or a build capsule when the caller gives none. */
export const OWN_DEFAULT_VCPUS = 1;
export const OWN_DEFAULT_MEMORY_MB = 512;

/** A create request for one of the agent's own capsules: default disk, no idle timeout, open egress. */
export function ownCapsuleInput(id: string, template: string): CreateCapsuleInput {
  return {
    id,
    template,
    vcpus: OWN_DEFAULT_VCPUS,
    memoryMb: OWN_DEFAULT_MEMORY_MB,
    diskMb: 0,
    timeoutSec: 0,
    envs: {},
    network: normalizePolicy(undefined),
    metadata: {},
    defaultUser: "",
    defaultWorkdir: "",
  };
}
