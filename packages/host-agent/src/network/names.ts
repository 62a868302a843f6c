import { WrennError } from "@wrenn/core";

/**
 * Every kernel object the network module makes is named here, and every name maps back
 * to what owns it, so debris from a crashed agent can be found without any state file:
 *
 *   netns  <ns>-<capsuleId>-g<generation>   one per run/restore of a capsule
 *   netns  <ns>-pool-<token>-<n>            warm, not yet handed to a capsule
 *   link   <veth><slot>h                     host end of a capsule's veth
 *   link   <veth><slot>x<gen36>             host end retired by renew, dying
 *   link   <veth>p<token><n36>             host end of a warm pair
 *   chain  <CHAIN>-EG-<slot>                 a capsule's egress policy
 *
 * `<ns>` is the chain prefix in lower case. Every interface name starts with the veth
 * prefix, so the global rules match all of them with one `<veth>+` wildcard; that prefix
 * is reserved for this module (anything else named like it counts as a capsule).
 */
export class NetNames {
  readonly ns: string;
  readonly fwd: string;
  readonly input: string;
  readonly egress: string;
  readonly nat: string;
  /** iptables interface wildcard matching every veth this module makes. */
  readonly anyVeth: string;

  constructor(
    readonly chainPrefix = "WRENN",
    readonly vethPrefix = "wr",
  ) {
    if (!/^[A-Z][A-Z0-9_]{0,11}$/.test(chainPrefix)) {
      throw new WrennError("invalid_request", `chain prefix "${chainPrefix}" must be 1 to 12 upper-case letters, digits or "_", starting with a letter`);
    }
    if (!/^[a-z]{1,4}$/.test(vethPrefix)) {
      throw new WrennError("invalid_request", `veth prefix "${vethPrefix}" must be 1 to 4 lower-case letters`);
    }
    this.ns = chainPrefix.toLowerCase();
    this.fwd = `${chainPrefix}-FWD`;
    this.input = `${chainPrefix}-IN`;
    this.egress = `${chainPrefix}-EGRESS`;
    this.nat = `${chainPrefix}-NAT`;
    this.anyVeth = `${vethPrefix}+`;
  }

  netns(capsuleId: string, generation: number): string {
    return `${this.ns}-${capsuleId}-g${generation}`;
  }

  poolNetns(token: string, n: number): string {
    return `${this.ns}-pool-${token}-${n}`;
  }

  hostVeth(slot: number): string {
    return `${this.vethPrefix}${slot}h`;
  }

  dyingVeth(slot: number, generation: number): string {
    // Three base36 digits keep the name within 15 characters; it only has to differ from
    // the few retirements of the same slot still in flight.
    return `${this.vethPrefix}${slot}x${(generation % 36 ** 3).toString(36)}`;
  }

  poolVeth(token: string, n: number): string {
    return `${this.vethPrefix}p${token}${n.toString(36)}`;
  }

  egressChain(slot: number): string {
    return `${this.chainPrefix}-EG-${slot}`;
  }

  parseNetns(name: string): { kind: "capsule"; capsuleId: string; generation: number } | { kind: "pool"; token: string } | undefined {
    if (!name.startsWith(`${this.ns}-`)) return undefined;
    const rest = name.slice(this.ns.length + 1);
    const pool = /^pool-([0-9a-z]+)-\d+$/.exec(rest);
    if (pool) return { kind: "pool", token: pool[1]! };
    const capsule = /^(.+)-g(\d+)$/.exec(rest);
    if (capsule && isCapsuleId(capsule[1]!)) return { kind: "capsule", capsuleId: capsule[1]!, generation: Number(capsule[2]) };
    return undefined;
  }

  parseLink(name: string): { kind: "host"; slot: number } | { kind: "dying"; slot: number } | { kind: "pool"; token: string } | undefined {
    if (!name.startsWith(this.vethPrefix)) return undefined;
    const rest = name.slice(this.vethPrefix.length);
    let m = /^(\d+)h$/.exec(rest);
    if (m) return { kind: "host", slot: Number(m[1]) };
    m = /^(\d+)x[0-9a-z]+$/.exec(rest);
    if (m) return { kind: "dying", slot: Number(m[1]) };
    m = /^p([0-9a-z]{4})[0-9a-z]+$/.exec(rest);
    if (m) return { kind: "pool", token: m[1]! };
    return undefined;
  }

  parseEgressChain(chain: string): number | undefined {
    const m = /^(.+)-EG-(\d+)$/.exec(chain);
    return m && m[1] === this.chainPrefix ? Number(m[2]) : undefined;
  }
}

/** Capsule ids are `cl-` + 25 base36 characters; tests use shorter ones of the same alphabet. */
export function isCapsuleId(id: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) && !id.startsWith("pool-");
}

export function assertCapsuleId(id: string): void {
  if (typeof id !== "string" || !isCapsuleId(id)) {
    throw new WrennError("invalid_request", `capsule id "${String(id)}" must be 1 to 63 lower-case letters, digits or "-" (like cl-<25 base36 characters>)`);
  }
}

/** A short random token that tells this manager's warm pairs from a previous agent's. */
export function newPoolToken(): string {
  let token = "";
  while (token.length < 4) token += Math.floor(Math.random() * 36).toString(36);
  return token;
}
