import type { NetworkPolicy } from "../capsules/types.js";
import type { Resolve4 } from "./policy.js";

/**
 * One capsule's network as the capsule manager persists it (plain JSON). `netnsPath` is
 * what the OCI spec names; it changes with every `renew` (one namespace per run or
 * restore), while the slot, addresses and host veth stay.
 */
export interface CapsuleNetwork {
  capsuleId: string;
  slotIndex: number;
  hostIp: string;
  capsuleIp: string;
  netnsName: string;
  netnsPath: string;
  hostVeth: string;
  generation: number;
  policy: NetworkPolicy;
}

export interface NetworkLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface NetworkManagerOptions {
  /** Capsule address pool; each capsule takes a /30. Default "10.11.0.0/16" (16384 capsules). */
  pool?: string;
  log?: NetworkLog;
  /** Host TCP ports of the agent; capsules can't reach any host address anyway, these are dropped even as "replies". */
  agentPorts?: number[];
  /** Ready-made namespace+veth pairs kept for fast create/renew. Default 2; 0 turns the pool off. */
  warmPoolSize?: number;
  /** iptables chain prefix, default "WRENN"; namespaces use it in lower case. Tests pick their own. */
  chainPrefix?: string;
  /** Host veth prefix, default "wr"; reserved: the rules treat every `<prefix>*` interface as a capsule. */
  vethPrefix?: string;
  /** Destinations no egress policy can open. Default ["169.254.0.0/16"] (link-local, cloud metadata). */
  alwaysDenyCidrs?: string[];
  /** Resolves allowDomains; default dns.promises (3 s timeout, 2 tries). */
  resolve4?: Resolve4;
  /** veth MTU; default the MTU of the interface with the default route. */
  mtu?: number;
}
