import { describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { POLICY_LIMITS, canonicalCidr, canonicalDomain, resolvePolicy, validatePolicy } from "./policy.js";
import type { NetworkPolicy } from "../capsules/types.js";

const policy = (p: Partial<NetworkPolicy>): NetworkPolicy => ({ egress: "allow_list", allowCidrs: [], allowDomains: [], ...p });

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(WrennError.is(err, "invalid_request")).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected invalid_request");
}

describe("validatePolicy", () => {
  it("normalizes CIDRs and domains and drops duplicates", () => {
    expect(validatePolicy(policy({ allowCidrs: ["1.1.1.1", "10.0.0.0/8", "1.1.1.1/32"], allowDomains: ["Deb.Debian.org.", "deb.debian.org"] }))).toEqual({
      egress: "allow_list",
      allowCidrs: ["1.1.1.1/32", "10.0.0.0/8"],
      allowDomains: ["deb.debian.org"],
    });
    expect(validatePolicy({ egress: "deny_all" } as NetworkPolicy)).toEqual({ egress: "deny_all", allowCidrs: [], allowDomains: [] });
  });

  it("names the bad entry and the rule it breaks", () => {
    expect(invalid(() => validatePolicy(policy({ egress: "open" as never })))).toMatch(/egress "open" must be one of allow_all, deny_all, allow_list/);
    expect(invalid(() => validatePolicy(policy({ allowCidrs: ["10.0.0.0/8", "10.1.2.3/16"] })))).toBe('allowCidrs[1] "10.1.2.3/16" has host bits set; use "10.1.0.0/16"');
    expect(invalid(() => canonicalCidr("10.0.0.0/33", "x"))).toMatch(/prefix \/33; the prefix must be from \/0 to \/32/);
    expect(invalid(() => canonicalCidr("300.0.0.0/8", "x"))).toMatch(/not an IPv4 CIDR/);
    expect(invalid(() => canonicalCidr("2001:db8::/32", "x"))).toMatch(/IPv6; only IPv4/);
    expect(invalid(() => canonicalCidr("example.com", "x"))).toMatch(/not an IPv4 CIDR/);
    expect(invalid(() => canonicalCidr(7, "x"))).toMatch(/must be a string/);
    expect(invalid(() => canonicalDomain("*.example.com", "d"))).toMatch(/wildcards are not supported/);
    expect(invalid(() => canonicalDomain("1.2.3.4", "d"))).toMatch(/is an IP address; put it in allowCidrs/);
    expect(invalid(() => canonicalDomain("localhost", "d"))).toMatch(/not a domain name/);
    expect(invalid(() => canonicalDomain("bad_name.com", "d"))).toMatch(/not a domain name/);
    expect(invalid(() => canonicalDomain(`${"a".repeat(64)}.com`, "d"))).toMatch(/at most 63/);
    expect(invalid(() => canonicalDomain("-x.com", "d"))).toMatch(/not a domain name/);
  });

  it("enforces list sizes", () => {
    const many = Array.from({ length: POLICY_LIMITS.cidrs + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    expect(invalid(() => validatePolicy(policy({ allowCidrs: many })))).toBe(`allowCidrs has 257 entries; at most 256 are allowed`);
    expect(invalid(() => validatePolicy(policy({ allowDomains: "x.com" as never })))).toMatch(/allowDomains must be a list/);
  });
});

describe("resolvePolicy", () => {
  const resolver = (table: Record<string, string[]>) => async (d: string) => {
    const found = table[d];
    if (found) return found;
    throw Object.assign(new Error(`queryA ENOTFOUND ${d}`), { code: "ENOTFOUND" });
  };

  it("turns the lists into destinations, domains resolved now", async () => {
    const rules = await resolvePolicy(validatePolicy(policy({ allowCidrs: ["192.0.2.0/24"], allowDomains: ["a.test", "b.test"] })), resolver({ "a.test": ["198.51.100.1", "198.51.100.2"], "b.test": ["198.51.100.1"] }));
    expect(rules).toEqual({ mode: "allow_list", destinations: ["192.0.2.0/24", "198.51.100.1/32", "198.51.100.2/32"] });
    expect(await resolvePolicy(policy({ egress: "deny_all", allowDomains: ["nowhere.test"] }), resolver({}))).toEqual({ mode: "deny_all" });
  });

  it("rejects a name that does not resolve, naming it", async () => {
    await expect(resolvePolicy(policy({ allowDomains: ["a.test", "nowhere.test"] }), resolver({ "a.test": ["198.51.100.1"] }))).rejects.toThrow(
      'allowDomains entry "nowhere.test" does not resolve to any IPv4 address (DNS: ENOTFOUND); check the name',
    );
    const timeout = async () => {
      throw Object.assign(new Error("queryA ETIMEOUT"), { code: "ETIMEOUT" });
    };
    await expect(resolvePolicy(policy({ allowDomains: ["slow.test"] }), timeout)).rejects.toThrow(/could not be resolved \(DNS: ETIMEOUT\); try again/);
  });
});
