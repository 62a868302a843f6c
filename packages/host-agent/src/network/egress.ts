import { resolve4 } from "node:dns/promises";
import { isIPv4 } from "node:net";
import { WrennError } from "@wrenn/core";
import type { NetworkPolicy } from "../capsules/types.js";
import { iptablesRestore, type NetNames } from "./firewall.js";

export type Resolver = (domain: string) => Promise<string[]>;

const MAX_ENTRIES = 256;
const domainPattern = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** Checks a policy; messages name the bad entry and the rule it breaks. */
export function validatePolicy(policy: NetworkPolicy): void {
  if (!["allow_all", "deny_all", "allow_list"].includes(policy.egress)) {
    throw new WrennError("invalid_request", `network egress must be allow_all, deny_all or allow_list, got "${policy.egress}"`);
  }
  if (policy.allowCidrs.length + policy.allowDomains.length > MAX_ENTRIES) {
    throw new WrennError("invalid_request", `an egress allow list holds at most ${MAX_ENTRIES} entries`);
  }
  for (const cidr of policy.allowCidrs) {
    const [ip, bits, extra] = cidr.split("/");
    const prefix = bits === undefined ? 32 : Number(bits);
    if (extra !== undefined || !ip || !isIPv4(ip) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
      throw new WrennError("invalid_request", `"${cidr}" is not an IPv4 CIDR such as 203.0.113.0/24`);
    }
  }
  for (const domain of policy.allowDomains) {
    if (!domainPattern.test(domain)) throw new WrennError("invalid_request", `"${domain}" is not a valid domain name`);
  }
}

/** Resolves the policy's domains now (the agent's resolver); an unresolvable one is an error. */
export async function resolveDomains(domains: string[], resolver: Resolver = resolve4): Promise<string[]> {
  const out: string[] = [];
  for (const domain of domains) {
    try {
      out.push(...(await resolver(domain)).map((ip) => `${ip}/32`));
    } catch (err) {
      throw new WrennError("invalid_request", `egress domain "${domain}" does not resolve: ${(err as Error).message}`);
    }
  }
  return out;
}

export function egressChain(names: NetNames, slot: number): string {
  return `${names.chain}-EG-${slot}`;
}

/**
 * Writes the capsule's egress chain and its dispatch rule in one iptables-restore call, so
 * a policy change applies at once. allow_list also blocks DNS unless the resolver is listed.
 */
export async function applyEgress(names: NetNames, slot: number, veth: string, policy: NetworkPolicy, resolved: string[]): Promise<void> {
  const chain = egressChain(names, slot);
  const rules = [`-F ${chain}`];
  if (policy.egress === "deny_all") rules.push(`-A ${chain} -j DROP`);
  else if (policy.egress === "allow_list") {
    for (const cidr of [...policy.allowCidrs, ...resolved]) rules.push(`-A ${chain} -d ${cidr} -j ACCEPT`);
    rules.push(`-A ${chain} -j DROP`);
  } else rules.push(`-A ${chain} -j ACCEPT`);
  await iptablesRestore(["*filter", `:${chain} - [0:0]`, ...rules, "COMMIT", ""].join("\n"));
  await iptablesRestore(["*filter", `-D ${names.chain}-EGRESS -i ${veth} -j ${chain}`, "COMMIT", ""].join("\n")).catch(() => {});
  await iptablesRestore(["*filter", `-A ${names.chain}-EGRESS -i ${veth} -j ${chain}`, "COMMIT", ""].join("\n"));
}

export async function removeEgress(names: NetNames, slot: number, veth: string): Promise<void> {
  const chain = egressChain(names, slot);
  await iptablesRestore(["*filter", `-D ${names.chain}-EGRESS -i ${veth} -j ${chain}`, "COMMIT", ""].join("\n")).catch(() => {});
  await iptablesRestore(["*filter", `-F ${chain}`, `-X ${chain}`, "COMMIT", ""].join("\n")).catch(() => {});
}
