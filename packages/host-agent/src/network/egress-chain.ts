import type { NetNames } from "./names.js";
import type { EgressRules } from "./policy.js";
import { inInterfaceOf, rulesIn, targetOf, hasChain, type Ruleset } from "./ruleset.js";

/**
 * A capsule's egress policy is its own chain, `<P>-EG-<slot>`, reached from the shared
 * `<P>-EGRESS` by one rule matching its host veth. Isolation (capsule↔capsule, capsule →
 * host, link-local) is decided in `<P>-FWD` before this chain, so no allow list can
 * undo it. The rules match every packet, not only new connections: switching to
 * `deny_all` cuts connections that are already open.
 *
 * Each function returns `iptables-restore --noflush` input. Declaring a chain that
 * exists flushes it, and a restore is one nftables transaction, so a policy change
 * replaces the old rules atomically: no packet sees a half-written chain.
 */
export function egressRules(chain: string, rules: EgressRules): string[] {
  switch (rules.mode) {
    case "allow_all":
      return [`-A ${chain} -j ACCEPT`];
    case "deny_all":
      return [`-A ${chain} -j DROP`];
    case "allow_list":
      return [...rules.destinations.map((d) => `-A ${chain} -d ${d} -j ACCEPT`), `-A ${chain} -j DROP`];
  }
}

/** The dispatch rule; its comment ties the slot to the capsule for debris cleanup. */
export function egressJump(names: NetNames, slot: number, capsuleId: string): string {
  return `-i ${names.hostVeth(slot)} -m comment --comment capsule=${capsuleId} -j ${names.egressChain(slot)}`;
}

/** Sets (creates or atomically replaces) the chain; with `jump`, also hooks it up. */
export function applyEgress(names: NetNames, slot: number, capsuleId: string, rules: EgressRules, jump: boolean): string {
  const chain = names.egressChain(slot);
  const lines = ["*filter", `:${chain} - [0:0]`, ...egressRules(chain, rules)];
  if (jump) lines.push(`-A ${names.egress} ${egressJump(names, slot, capsuleId)}`);
  return [...lines, "COMMIT", ""].join("\n");
}

/** Removes exactly what `applyEgress(…, jump=true)` made; fails if any of it is missing. */
export function removeEgress(names: NetNames, slot: number, capsuleId: string): string {
  const chain = names.egressChain(slot);
  return ["*filter", `-D ${names.egress} ${egressJump(names, slot, capsuleId)}`, `-F ${chain}`, `-X ${chain}`, "COMMIT", ""].join("\n");
}

/**
 * Removes everything of the given slots found in a dump: dispatch rules by target or
 * interface, then the chains. Used when the exact rule is unknown or partly gone.
 * Returns undefined when there is nothing to remove.
 */
export function removeEgressFound(rs: Ruleset, names: NetNames, slots: Iterable<number>): string | undefined {
  const wanted = new Set(slots);
  const lines: string[] = [];
  for (const rule of rulesIn(rs, "filter", names.egress)) {
    const target = names.parseEgressChain(targetOf(rule.spec) ?? "");
    const link = names.parseLink(inInterfaceOf(rule.spec) ?? "");
    if ((target !== undefined && wanted.has(target)) || (link?.kind === "host" && wanted.has(link.slot))) {
      lines.push(`-D ${names.egress} ${rule.spec}`);
    }
  }
  for (const slot of wanted) {
    const chain = names.egressChain(slot);
    if (hasChain(rs, "filter", chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
  }
  return lines.length === 0 ? undefined : ["*filter", ...lines, "COMMIT", ""].join("\n");
}

/** What EgressChains needs from iptables (global-chains.ts). */
export interface RulesetIo {
  save(): Promise<Ruleset>;
  restore(input: string): Promise<void>;
}

interface EgressTarget {
  capsuleId: string;
  slotIndex: number;
  hostVeth: string;
}

/** Writes and removes capsules' egress chains, one `iptables-restore` call each. */
export class EgressChains {
  /** Capsules whose dispatch rule is known to exist (adopted ones are checked once). */
  private readonly verified = new Set<string>();

  constructor(
    private readonly names: NetNames,
    private readonly io: RulesetIo,
  ) {}

  /** Sets the capsule's rules; adds the dispatch rule when it is not known to exist. */
  async set(net: EgressTarget, rules: EgressRules, isNew = false): Promise<void> {
    const jump = isNew || (!this.verified.has(net.capsuleId) && !this.hasJump(await this.io.save(), net));
    await this.io.restore(applyEgress(this.names, net.slotIndex, net.capsuleId, rules, jump));
    this.verified.add(net.capsuleId);
  }

  /**
   * Makes sure an adopted capsule's rules exist before it runs again (a host reboot
   * wipes them); `rules` is only called when they have to be rewritten.
   */
  async ensure(net: EgressTarget, rules: () => Promise<EgressRules>): Promise<void> {
    if (this.verified.has(net.capsuleId)) return;
    if (this.hasJump(await this.io.save(), net)) this.verified.add(net.capsuleId);
    else await this.set(net, await rules());
  }

  async remove(slot: number, capsuleId: string): Promise<void> {
    this.verified.delete(capsuleId);
    try {
      await this.io.restore(removeEgress(this.names, slot, capsuleId));
    } catch {
      // Partly gone already (or never complete): remove whatever is left of the slot.
      const rest = removeEgressFound(await this.io.save(), this.names, [slot]);
      if (rest) await this.io.restore(rest);
    }
  }

  private hasJump(rs: Ruleset, net: EgressTarget): boolean {
    return rulesIn(rs, "filter", this.names.egress).some((r) => targetOf(r.spec) === this.names.egressChain(net.slotIndex) && inInterfaceOf(r.spec) === net.hostVeth);
  }
}
