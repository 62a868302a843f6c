import { runTool } from "./exec.js";
import type { NetNames } from "./names.js";
import { RestoreBatch } from "./restore-batch.js";
import { commentOf, hasChain, parseSave, rulesIn, targetOf, type Ruleset } from "./ruleset.js";

/**
 * Marks the jump rules this module adds to the built-in chains. The FORWARD one also
 * records ip_forward as it was before any Wrenn agent touched it, so the value survives
 * agent restarts (in the kernel, with the rules) and is restored by the last one out.
 */
const MARK = "wrenn-net";

export interface GlobalChainOptions {
  names: NetNames;
  /** The capsule address pool, e.g. "10.11.0.0/16". */
  poolCidr: string;
  /** Host TCP ports no capsule packet may reach, not even as a "reply". */
  agentPorts: number[];
  /** Destinations no policy can open (cloud metadata lives in 169.254.0.0/16). */
  alwaysDeny: string[];
}

/**
 * The host-wide chains (docs/runtime-notes.md §4), jumped to first from FORWARD, INPUT
 * and POSTROUTING:
 *
 *   <P>-FWD   capsule ↔ capsule DROP; replies to capsules ACCEPT; anything else routed
 *             to a capsule DROP; capsule → pool or always-denied DROP; then the
 *             capsule's own egress chain via <P>-EGRESS; no egress chain → DROP
 *   <P>-IN    capsule → any host address DROP (agent ports even for "replies"),
 *             except replies to connections the host opened
 *   <P>-NAT   MASQUERADE what leaves the pool
 *
 * Host → capsule traffic goes through OUTPUT and needs no rule.
 */
export class GlobalChains {
  private readonly batch = new RestoreBatch((input) => this.restoreNow(input));

  constructor(private readonly o: GlobalChainOptions) {}

  /** Both tables, one `iptables-save` call. */
  async save(): Promise<Ruleset> {
    return parseSave((await runTool("iptables-save", [])).stdout);
  }

  /** Applies `iptables-restore --noflush` input atomically (possibly together with concurrent calls). */
  restore(input: string): Promise<void> {
    return this.batch.restore(input);
  }

  private async restoreNow(input: string): Promise<void> {
    const lines = input.split("\n");
    await runTool("iptables-restore", ["-w", "--noflush"], {
      input,
      explain: (stderr) => {
        const n = Number(/line (\d+) failed/.exec(stderr)?.[1]);
        return Number.isInteger(n) && lines[n - 1] ? `${stderr.trim()} (line ${n}: ${lines[n - 1]})` : stderr;
      },
    });
  }

  /**
   * ip_forward as it was before any Wrenn agent changed it, if a previous run (of any
   * prefix) recorded it; undefined on a clean host.
   */
  recordedForward(rs: Ruleset): string | undefined {
    for (const rule of rulesIn(rs, "filter", "FORWARD")) {
      const m = new RegExp(`^${MARK} ip_forward=(\\d)$`).exec(commentOf(rule.spec) ?? "");
      if (m) return m[1];
    }
    return undefined;
  }

  /** Whether something else (another prefix, or a script) still routes through FORWARD for capsules. */
  othersForwarding(rs: Ruleset): boolean {
    const { fwd } = this.o.names;
    return rulesIn(rs, "filter", "FORWARD").some((r) => {
      const target = targetOf(r.spec);
      return target !== fwd && ((commentOf(r.spec) ?? "").startsWith(MARK) || /-FWD$/.test(target ?? ""));
    });
  }

  /**
   * Creates or refreshes the chains in one transaction. Refreshing replaces their
   * contents atomically, so a setup left by a previous agent is never open, not even
   * briefly; per-capsule egress chains and their dispatch rules are kept.
   */
  async install(rs: Ruleset, originalForward: string): Promise<void> {
    const { names, poolCidr, agentPorts, alwaysDeny } = this.o;
    const v = names.anyVeth;
    const filter = ["*filter", `:${names.fwd} - [0:0]`, `:${names.input} - [0:0]`];
    if (!hasChain(rs, "filter", names.egress)) filter.push(`:${names.egress} - [0:0]`);
    filter.push(
      `-A ${names.fwd} -i ${v} -o ${v} -j DROP`,
      `-A ${names.fwd} -o ${v} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${names.fwd} -o ${v} -j DROP`,
      `-A ${names.fwd} -i ${v} -d ${poolCidr} -j DROP`,
      ...alwaysDeny.map((cidr) => `-A ${names.fwd} -i ${v} -d ${cidr} -j DROP`),
      `-A ${names.fwd} -i ${v} -j ${names.egress}`,
      `-A ${names.fwd} -i ${v} -j DROP`,
    );
    // multiport takes at most 15 ports per rule.
    for (let i = 0; i < agentPorts.length; i += 15) {
      filter.push(`-A ${names.input} -i ${v} -p tcp -m multiport --dports ${agentPorts.slice(i, i + 15).join(",")} -j DROP`);
    }
    filter.push(`-A ${names.input} -i ${v} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A ${names.input} -i ${v} -j DROP`);
    if (!this.jumps(rs, "filter", "FORWARD", names.fwd).length) {
      filter.push(`-I FORWARD 1 -m comment --comment "${MARK} ip_forward=${originalForward}" -j ${names.fwd}`);
    }
    if (!this.jumps(rs, "filter", "INPUT", names.input).length) filter.push(`-I INPUT 1 -m comment --comment ${MARK} -j ${names.input}`);
    const nat = ["*nat", `:${names.nat} - [0:0]`, `-A ${names.nat} -s ${poolCidr} ! -d ${poolCidr} -j MASQUERADE`];
    if (!this.jumps(rs, "nat", "POSTROUTING", names.nat).length) nat.push(`-I POSTROUTING 1 -m comment --comment ${MARK} -j ${names.nat}`);
    await this.restore([...filter, "COMMIT", ...nat, "COMMIT", ""].join("\n"));
  }

  /** Removes the jumps and every chain with this prefix, capsule egress chains included. */
  async uninstall(rs: Ruleset): Promise<void> {
    const { names } = this.o;
    const ours = (chain: string): boolean => chain.startsWith(`${names.chainPrefix}-`);
    const filter = ["*filter"];
    const nat = ["*nat"];
    for (const [builtin, table, out] of [
      ["FORWARD", "filter", filter],
      ["INPUT", "filter", filter],
      ["POSTROUTING", "nat", nat],
    ] as const) {
      for (const rule of rulesIn(rs, table, builtin)) if (ours(targetOf(rule.spec) ?? "")) out.push(`-D ${builtin} ${rule.spec}`);
    }
    for (const [table, out] of [
      ["filter", filter],
      ["nat", nat],
    ] as const) {
      const chains = [...(rs.chains.get(table) ?? [])].filter(ours);
      for (const chain of chains) out.push(`-F ${chain}`);
      for (const chain of chains) out.push(`-X ${chain}`);
    }
    if (filter.length === 1 && nat.length === 1) return;
    await this.restore([...filter, "COMMIT", ...nat, "COMMIT", ""].join("\n"));
  }

  private jumps(rs: Ruleset, table: string, builtin: string, chain: string): string[] {
    return rulesIn(rs, table, builtin)
      .filter((r) => targetOf(r.spec) === chain)
      .map((r) => r.spec);
  }
}
