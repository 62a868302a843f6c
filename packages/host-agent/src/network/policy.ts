import { WrennError } from "@wrenn/core";
import type { EgressMode, NetworkPolicy } from "../capsules/types.js";
import { intToIp, ipToInt } from "./slots.js";

export const POLICY_LIMITS = { cidrs: 256, domains: 256, destinations: 4096 } as const;

const MODES: readonly EgressMode[] = ["allow_all", "deny_all", "allow_list"];

/** What a capsule's egress chain enforces once names are resolved. */
export type EgressRules = { mode: "allow_all" } | { mode: "deny_all" } | { mode: "allow_list"; destinations: string[] };

/** Looks up the IPv4 addresses of a name (dns.promises.resolve4 by default). */
export type Resolve4 = (domain: string) => Promise<string[]>;

/**
 * Checks a policy and returns a normalized copy: CIDRs in canonical form (a bare address
 * becomes /32), domains lower-case without a trailing dot, duplicates dropped. The lists
 * are checked in every mode but only enforced under `allow_list`.
 */
export function validatePolicy(policy: NetworkPolicy): NetworkPolicy {
  if (typeof policy !== "object" || policy === null) throw invalid("network policy must be an object with egress, allowCidrs and allowDomains");
  if (!MODES.includes(policy.egress)) throw invalid(`network policy egress "${String(policy.egress)}" must be one of ${MODES.join(", ")}`);
  const cidrs = list(policy.allowCidrs, "allowCidrs", POLICY_LIMITS.cidrs).map((c, i) => canonicalCidr(c, `allowCidrs[${i}]`));
  const domains = list(policy.allowDomains, "allowDomains", POLICY_LIMITS.domains).map((d, i) => canonicalDomain(d, `allowDomains[${i}]`));
  return { egress: policy.egress, allowCidrs: [...new Set(cidrs)], allowDomains: [...new Set(domains)] };
}

/**
 * Turns a validated policy into rules, resolving `allowDomains` on the host now (the
 * addresses are fixed until the policy is set again). A name that does not resolve is
 * the caller's error and is named in the message.
 */
export async function resolvePolicy(policy: NetworkPolicy, resolve4: Resolve4): Promise<EgressRules> {
  if (policy.egress !== "allow_list") return { mode: policy.egress };
  const resolved = await mapLimited(policy.allowDomains, 16, async (domain) => {
    let addresses: string[];
    try {
      addresses = await resolve4(domain);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const missing = code === "ENOTFOUND" || code === "ENODATA";
      throw invalid(
        missing
          ? `allowDomains entry "${domain}" does not resolve to any IPv4 address (DNS: ${code}); check the name`
          : `allowDomains entry "${domain}" could not be resolved (DNS: ${code}); try again`,
      );
    }
    const valid = addresses.filter(isIpv4);
    if (valid.length === 0) throw invalid(`allowDomains entry "${domain}" does not resolve to any IPv4 address; check the name`);
    return valid.map((a) => `${a}/32`);
  });
  const destinations = [...new Set([...policy.allowCidrs, ...resolved.flat()])];
  if (destinations.length > POLICY_LIMITS.destinations) {
    throw invalid(`the allow list resolves to ${destinations.length} destinations; at most ${POLICY_LIMITS.destinations} are allowed`);
  }
  return { mode: "allow_list", destinations };
}

/** "10.0.0.0/8" → itself; "1.2.3.4" → "1.2.3.4/32"; anything else → invalid_request naming `field`. */
export function canonicalCidr(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(`${field} must be a string like "203.0.113.0/24"`);
  const shown = `${field} "${value}"`;
  if (value.includes(":")) throw invalid(`${shown} is IPv6; only IPv4 CIDRs like "203.0.113.0/24" are supported`);
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(value.trim());
  if (!m || !isIpv4(m[1]!)) throw invalid(`${shown} is not an IPv4 CIDR like "203.0.113.0/24"`);
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  if (prefix > 32) throw invalid(`${shown} has prefix /${prefix}; the prefix must be from /0 to /32`);
  const addr = ipToInt(m[1]!);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const network = (addr & mask) >>> 0;
  if (network !== addr) throw invalid(`${shown} has host bits set; use "${intToIp(network)}/${prefix}"`);
  return `${intToIp(network)}/${prefix}`;
}

export function canonicalDomain(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalid(`${field} must be a string like "example.com"`);
  const shown = `${field} "${value}"`;
  const name = value.trim().toLowerCase().replace(/\.$/, "");
  if (name.includes("*")) throw invalid(`${shown}: wildcards are not supported; list each host name`);
  if (isIpv4(name) || name.includes(":")) throw invalid(`${shown} is an IP address; put it in allowCidrs`);
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = name.split(".");
  if (name.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw invalid(`${shown} is not a domain name like "api.example.com" (dot-separated labels of letters, digits and "-", at most 63 characters each and 253 in total)`);
  }
  return name;
}

function list(value: unknown, field: string, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${field} must be a list`);
  if (value.length > max) throw invalid(`${field} has ${value.length} entries; at most ${max} are allowed`);
  return value;
}

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function invalid(message: string): WrennError {
  return new WrennError("invalid_request", message);
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
