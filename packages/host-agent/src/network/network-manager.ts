import type { CapsuleNet } from "../capsules/deps.js";
import type { NetworkPolicy } from "../capsules/types.js";
import type { Logger } from "../capsules/internals.js";
import { runCommand } from "../util/command.js";
import { makeNetns, netnsName, removeNetns, vethName } from "./capsule-net.js";
import { applyEgress, removeEgress, resolveDomains, validatePolicy, type Resolver } from "./egress.js";
import { defaultNames, enableForwarding, ensureGlobalRules, iptablesSave, removeGlobalRules, restoreForwarding, type NetNames } from "./firewall.js";
import { SlotAllocator } from "./slots.js";

export interface NetworkManagerOptions {
  /** Address pool for capsules, e.g. "10.11.0.0/16" (16384 capsules). */
  pool?: string;
  names?: Partial<NetNames>;
  log?: Logger;
  resolver?: Resolver;
}

/**
 * Capsule networking on this host: a /30 per capsule from the pool, its namespace and
 * veth pair, its egress policy chain, and the host-wide isolation and NAT rules.
 */
export class NetworkManager {
  readonly names: NetNames;
  readonly slots: SlotAllocator;
  private previousForwarding: string | undefined;

  constructor(private readonly options: NetworkManagerOptions = {}) {
    this.names = { ...defaultNames, ...options.names };
    this.slots = new SlotAllocator(options.pool ?? "10.11.0.0/16");
  }

  async init(): Promise<void> {
    this.previousForwarding = await enableForwarding();
    await ensureGlobalRules(this.names, this.slots.cidr);
  }

  async create(capsuleId: string, policy: NetworkPolicy): Promise<CapsuleNet> {
    validatePolicy(policy);
    const resolved = policy.egress === "allow_list" ? await resolveDomains(policy.allowDomains, this.options.resolver) : [];
    const slot = this.slots.allocate();
    const net: CapsuleNet = {
      capsuleId,
      slotIndex: slot.index,
      hostIp: slot.hostIp,
      capsuleIp: slot.capsuleIp,
      netnsName: netnsName(this.names, capsuleId, 0),
      netnsPath: `/var/run/netns/${netnsName(this.names, capsuleId, 0)}`,
      hostVeth: vethName(this.names, slot.index),
      generation: 0,
      policy,
    };
    try {
      await makeNetns(net.netnsName, net.hostVeth, slot);
      await applyEgress(this.names, slot.index, net.hostVeth, policy, resolved);
      return net;
    } catch (err) {
      await this.destroy(net);
      throw err;
    }
  }

  /** A fresh namespace and veth for the same slot and address (before every restore). */
  async renew(net: CapsuleNet): Promise<CapsuleNet> {
    await removeNetns(net.netnsName, net.hostVeth);
    const generation = net.generation + 1;
    const name = netnsName(this.names, net.capsuleId, generation);
    const next: CapsuleNet = { ...net, generation, netnsName: name, netnsPath: `/var/run/netns/${name}` };
    await makeNetns(name, net.hostVeth, this.slots.slot(net.slotIndex));
    // The veth was re-made: its dispatch rule matches by name, so it still applies.
    return next;
  }

  async park(net: CapsuleNet): Promise<void> {
    await removeNetns(net.netnsName, net.hostVeth);
  }

  adopt(net: CapsuleNet): CapsuleNet {
    this.slots.claim(net.slotIndex);
    return net;
  }

  async setPolicy(net: CapsuleNet, policy: NetworkPolicy): Promise<void> {
    validatePolicy(policy);
    const resolved = policy.egress === "allow_list" ? await resolveDomains(policy.allowDomains, this.options.resolver) : [];
    await applyEgress(this.names, net.slotIndex, net.hostVeth, policy, resolved);
    net.policy = policy;
  }

  async destroy(net: CapsuleNet): Promise<void> {
    await removeNetns(net.netnsName, net.hostVeth);
    await removeEgress(this.names, net.slotIndex, net.hostVeth);
    this.slots.release(net.slotIndex);
  }

  /** Removes namespaces, veths and egress chains that belong to no capsule in `keep`. */
  async cleanupDebris(keep: Set<string>): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    const keptSlots = new Set<number>();
    const { stdout: nsList } = await runCommand("ip", ["netns", "list"]);
    for (const line of nsList.split("\n")) {
      const name = line.split(" ")[0];
      if (!name?.startsWith(this.names.netns)) continue;
      const capsuleId = name.slice(this.names.netns.length).replace(/-g\d+$/, "");
      if (keep.has(capsuleId)) continue;
      await runCommand("ip", ["netns", "del", name]).catch(() => {});
      removed.push(capsuleId);
    }
    for (const slot of this.slots.usedIndexes()) keptSlots.add(slot);
    const vethPattern = new RegExp(`^${this.names.veth}(\\d+)h$`);
    const { stdout: links } = await runCommand("ip", ["-o", "link", "show"]);
    for (const line of links.split("\n")) {
      const name = line.split(":")[1]?.trim().split("@")[0] ?? "";
      const slot = vethPattern.exec(name)?.[1];
      if (slot !== undefined && !keptSlots.has(Number(slot))) await runCommand("ip", ["link", "del", name]).catch(() => {});
    }
    const chainPattern = new RegExp(`^:${this.names.chain}-EG-(\\d+) `);
    for (const line of (await iptablesSave()).split("\n")) {
      const slot = chainPattern.exec(line)?.[1];
      if (slot !== undefined && !keptSlots.has(Number(slot))) await removeEgress(this.names, Number(slot), vethName(this.names, Number(slot)));
    }
    return { removed };
  }

  /** Removes the host-wide rules and restores forwarding; only when the agent leaves for good. */
  async shutdown(): Promise<void> {
    await removeGlobalRules(this.names);
    if (this.previousForwarding !== undefined) await restoreForwarding(this.previousForwarding);
  }
}
