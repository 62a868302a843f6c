import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { EntryInfo as EnvdEntryInfo } from "@wrenn/proto/envd/filesystem";
import {
  CapsuleStatus,
  EgressMode,
  FileType,
  TemplateKind,
  type CapsuleInfoSchema,
  type EntryInfoSchema,
  type MetricPointSchema,
  type NetworkPolicy as NetworkPolicyMessage,
  type TemplateInfoSchema,
} from "@wrenn/proto/hostagent/v1";
import type { MetricPoint } from "../metrics/ring.js";
import type { CapsuleRecord, CapsuleStatus as Status, NetworkPolicy, TemplateRecord } from "../capsules/types.js";

/** Records of the capsule manager as wire messages, and wire enums as the manager's names. */

const statuses: Record<Status, CapsuleStatus> = {
  pending: CapsuleStatus.PENDING,
  running: CapsuleStatus.RUNNING,
  pausing: CapsuleStatus.PAUSING,
  paused: CapsuleStatus.PAUSED,
  resuming: CapsuleStatus.RESUMING,
  stopped: CapsuleStatus.STOPPED,
  error: CapsuleStatus.ERROR,
};

const egressModes: Record<NetworkPolicy["egress"], EgressMode> = {
  allow_all: EgressMode.ALLOW_ALL,
  deny_all: EgressMode.DENY_ALL,
  allow_list: EgressMode.ALLOW_LIST,
};

/** A non-negative number as a protobuf 64-bit integer. */
export const u64 = (n: number): bigint => BigInt(Math.max(0, Math.round(n)));

const optionalTimestamp = (ms: number | undefined) => (ms ? timestampFromMs(ms) : undefined);

export function capsuleInfo(record: CapsuleRecord): MessageInitShape<typeof CapsuleInfoSchema> {
  return {
    capsuleId: record.id,
    template: record.template,
    status: statuses[record.status],
    vcpus: record.vcpus,
    memoryMb: record.memoryMb,
    diskMb: record.diskMb,
    timeoutSec: record.timeoutSec,
    createdAt: optionalTimestamp(record.createdAt),
    startedAt: optionalTimestamp(record.startedAt),
    lastActiveAt: optionalTimestamp(record.lastActiveAt),
    envdVersion: record.envdVersion,
    address: record.address,
    network: { egress: egressModes[record.network.egress], allowCidrs: record.network.allowCidrs, allowDomains: record.network.allowDomains },
    metadata: record.metadata,
    error: record.error,
  };
}

export function networkPolicy(message: NetworkPolicyMessage | undefined): NetworkPolicy {
  const egress =
    message?.egress === EgressMode.DENY_ALL ? "deny_all" : message?.egress === EgressMode.ALLOW_LIST ? "allow_list" : "allow_all";
  return { egress, allowCidrs: [...(message?.allowCidrs ?? [])], allowDomains: [...(message?.allowDomains ?? [])] };
}

export function templateInfo(template: TemplateRecord): MessageInitShape<typeof TemplateInfoSchema> {
  return {
    name: template.name,
    kind: template.kind === "snapshot" ? TemplateKind.SNAPSHOT : TemplateKind.IMAGE,
    sizeBytes: u64(template.sizeBytes),
    createdAt: optionalTimestamp(template.createdAt),
    baseTemplate: template.baseTemplate,
    vcpus: template.vcpus,
    memoryMb: template.memoryMb,
    contentHash: template.contentHash,
    envs: template.envs ?? {},
    defaultUser: template.defaultUser ?? "",
    defaultWorkdir: template.defaultWorkdir ?? "",
  };
}

export function metricPoint(point: MetricPoint): MessageInitShape<typeof MetricPointSchema> {
  return {
    ts: timestampFromMs(point.ts),
    cpuPct: point.cpuPct,
    memBytes: u64(point.memBytes),
    diskBytes: u64(point.diskBytes),
  };
}

/** envd's EntryInfo and the agent's share field meanings and enum numbers. */
export function entryInfo(entry: EnvdEntryInfo | undefined): MessageInitShape<typeof EntryInfoSchema> | undefined {
  if (!entry) return undefined;
  return {
    name: entry.name,
    path: entry.path,
    type: entry.type as number as FileType,
    size: entry.size,
    mode: entry.mode,
    permissions: entry.permissions,
    owner: entry.owner,
    group: entry.group,
    modifiedAt: entry.modifiedTime,
    symlinkTarget: entry.symlinkTarget,
  };
}
