import { Resolver } from "node:dns/promises";
import { WrennError } from "@wrenn/core";
import type { NetworkPolicy } from "../capsules/types.js";
import { CapsuleNetns } from "./capsule-netns.js";
import { listNetObjects, planDebris } from "./debris.js";
import { EgressChains, removeEgressFound } from "./egress-chain.js";
import { GlobalChains } from "./global-chains.js";
import { KeyedLock } from "./keyed-lock.js";
import { NetNames, assertCapsuleId, newPoolToken } from "./names.js";
import { canonicalCidr, resolvePolicy, validatePolicy, type Resolve4 } from "./policy.js";
import { SlotAllocator, type Slot } from "./slots.js";
import { readIpForward, uplinkMtu, writeIpForward } from "./sysctl.js";
import type { CapsuleNetwork, NetworkLog, NetworkManagerOptions } from "./types.js";
import { WarmPool } from "./warm-pool.js";

const silent: NetworkLog = { info() {}, warn() {}, error() {} };

/**
 * Capsule networking on this host (ARCHITECTURE.md §5): a /30 per capsule from the pool,
 * a namespace and veth pair per run or restore, an egress policy chain per capsule, and
 * the host-wide isolation and NAT rules. Operations on one capsule run one at a time.
 *
 * @example
 *   const network = new NetworkManager({ pool: "10.11.0.0/16", log });
 *   await network.init();
 *   const net = await network.create(id, { egress: "allow_all", allowCidrs: [], allowDomains: [] });
 *   // runsc run with the OCI network namespace at net.netnsPath; before each restore:
 *   const next = await network.renew(net);
 */
export class NetworkManager {
  readonly names: NetNames;
  readonly slots: SlotAllocator;
  private readonly log: NetworkLog;
  private readonly chains: GlobalChains;
  private readonly egress: EgressChains;
  private readonly token = newPoolToken();
  private readonly resolve4: Resolve4;
  private readonly warmPoolSize: number;
  private readonly nets = new Map<string, CapsuleNetwork>();
  private readonly lock = new KeyedLock();
  private netns: CapsuleNetns | undefined;
  private pool: WarmPool | undefined;
  private originalForward: string | undefined;

  constructor(private readonly options: NetworkManagerOptions = {}) {
    this.names = new NetNames(options.chainPrefix, options.vethPrefix);
    this.slots = new SlotAllocator(options.pool ?? "10.11.0.0/16");
    this.log = options.log ?? silent;
    const agentPorts = options.agentPorts ?? [];
    for (const port of agentPorts) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WrennError("invalid_request", `agent port ${port} must be an integer from 1 to 65535`);
    }
    const alwaysDeny = (options.alwaysDenyCidrs ?? ["169.254.0.0/16"]).map((c, i) => canonicalCidr(c, `alwaysDenyCidrs[${i}]`));
    this.chains = new GlobalChains({ names: this.names, poolCidr: this.slots.cidr, agentPorts, alwaysDeny });
    this.egress = new EgressChains(this.names, this.chains);
    const resolver = new Resolver({ timeout: 3000, tries: 2 });
    this.resolve4 = options.resolve4 ?? ((domain) => resolver.resolve4(domain));
    this.warmPoolSize = options.warmPoolSize ?? 2;
    if (!Number.isInteger(this.warmPoolSize) || this.warmPoolSize < 0 || this.warmPoolSize > 64) {
      throw new WrennError("invalid_request", `warmPoolSize ${this.warmPoolSize} must be an integer from 0 to 64`);
    }
  }

  /**
   * Installs (or refreshes, atomically) the global chains and turns on ip_forward, then
   * starts filling the warm pool. Safe over a setup left by a previous agent run.
   */
  async init(): Promise<void> {
    if (this.netns) return;
    const rs = await this.chains.save();
    const original = this.chains.recordedForward(rs) ?? (await readIpForward());
    await this.chains.install(rs, original);
    if ((await readIpForward()) !== "1") await writeIpForward("1");
    this.originalForward = original;
    this.netns = new CapsuleNetns({ names: this.names, token: this.token, mtu: this.options.mtu ?? (await uplinkMtu()) });
    this.pool = new WarmPool(this.warmPoolSize, this.netns, this.log);
    this.pool.start();
  }

  /** Allocates a slot and makes the capsule's namespace, veth pair and egress chain. */
  async create(capsuleId: string, policy: NetworkPolicy): Promise<CapsuleNetwork> {
    assertCapsuleId(capsuleId);
    const normalized = validatePolicy(policy);
    const netns = this.ready();
    return this.lock.run(capsuleId, async () => {
      if (this.nets.has(capsuleId)) throw new WrennError("conflict", `capsule ${capsuleId} already has a network; renew or destroy it`);
      const rules = await resolvePolicy(normalized, this.resolve4);
      const slot = this.slots.allocate();
      const net = this.describe(capsuleId, slot, 0, normalized);
      const [made, chained] = await Promise.allSettled([
        this.attach(slot, net.netnsName),
        this.egress.set(net, rules, true),
      ]);
      if (made.status === "rejected" || chained.status === "rejected") {
        await Promise.allSettled([
          made.status === "fulfilled" ? netns.remove(slot.index, net.netnsName) : undefined,
          chained.status === "fulfilled" ? this.egress.remove(slot.index, capsuleId) : undefined,
        ]);
        this.slots.release(slot.index);
        throw made.status === "rejected" ? made.reason : (chained as PromiseRejectedResult).reason;
      }
      this.nets.set(capsuleId, net);
      return { ...net };
    });
  }

  /**
   * A fresh namespace and veth pair for the same slot and addresses (gVisor takes the
   * address off eth0, so every restore needs one); the old namespace is removed. If it
   * fails, the capsule keeps its slot and renew can be tried again.
   */
  async renew(net: CapsuleNetwork): Promise<CapsuleNetwork> {
    const netns = this.ready();
    return this.lock.run(net.capsuleId, async () => {
      const current = this.nets.get(net.capsuleId) ?? this.adopt(net);
      const generation = current.generation + 1;
      const next = this.describe(current.capsuleId, this.slots.slot(current.slotIndex), generation, current.policy);
      // First, so a failure here leaves the old namespace untouched.
      await this.egress.ensure(current, () => resolvePolicy(current.policy, this.resolve4));
      await netns.retire(current.slotIndex, current.netnsName, current.generation);
      await this.attach(this.slots.slot(current.slotIndex), next.netnsName);
      this.nets.set(current.capsuleId, next);
      return { ...next };
    });
  }

  /**
   * Removes the namespace and veth pair of a capsule whose sandbox is gone (after a
   * checkpoint); the slot, addresses and egress chain stay for the next `renew`.
   */
  async park(net: CapsuleNetwork): Promise<void> {
    const netns = this.ready();
    await this.lock.run(net.capsuleId, async () => {
      const current = this.nets.get(net.capsuleId) ?? this.adopt(net);
      await netns.remove(current.slotIndex, current.netnsName);
    });
  }

  /** Takes over a network made by a previous agent run (no I/O); reserves its slot. */
  adopt(state: CapsuleNetwork): CapsuleNetwork {
    assertCapsuleId(state?.capsuleId);
    const policy = validatePolicy(state.policy);
    if (!Number.isInteger(state.slotIndex) || state.slotIndex < 0 || state.slotIndex >= this.slots.capacity || !Number.isInteger(state.generation) || state.generation < 0) {
      throw new WrennError("invalid_request", `network state of capsule ${state.capsuleId} has slot ${state.slotIndex}, generation ${state.generation}; outside this host's pool ${this.slots.cidr}`);
    }
    const expected = this.describe(state.capsuleId, this.slots.slot(state.slotIndex), state.generation, policy);
    for (const key of ["hostIp", "capsuleIp", "netnsName", "netnsPath", "hostVeth"] as const) {
      if (state[key] !== expected[key]) {
        throw new WrennError("invalid_request", `network state of capsule ${state.capsuleId} has ${key} "${state[key]}", expected "${expected[key]}" for slot ${state.slotIndex} of ${this.slots.cidr}`);
      }
    }
    const held = this.nets.get(state.capsuleId);
    if (held) {
      if (held.slotIndex !== state.slotIndex) throw new WrennError("conflict", `capsule ${state.capsuleId} already holds slot ${held.slotIndex}`);
      return { ...held };
    }
    const other = [...this.nets.values()].find((n) => n.slotIndex === state.slotIndex);
    if (other || this.slots.has(state.slotIndex)) {
      throw new WrennError("conflict", `slot ${state.slotIndex} of capsule ${state.capsuleId} is already used${other ? ` by capsule ${other.capsuleId}` : ""}`);
    }
    this.slots.claim(state.slotIndex);
    this.nets.set(state.capsuleId, expected);
    return { ...expected };
  }

  /** Replaces the capsule's egress rules in one transaction; the capsule keeps running. */
  async setPolicy(net: CapsuleNetwork, policy: NetworkPolicy): Promise<void> {
    const normalized = validatePolicy(policy);
    await this.lock.run(net.capsuleId, async () => {
      const current = this.nets.get(net.capsuleId);
      if (!current) throw new WrennError("not_found", `capsule ${net.capsuleId} has no network on this host`);
      const rules = await resolvePolicy(normalized, this.resolve4);
      await this.egress.set(current, rules);
      current.policy = normalized;
    });
  }

  /** Removes the namespace, veth pair and rules, and frees the slot. Idempotent. */
  async destroy(net: CapsuleNetwork): Promise<void> {
    const netns = this.ready();
    await this.lock.run(net.capsuleId, () => this.removeNetwork(netns, net));
  }

  /**
   * Removes what capsules not in `keep` left behind: namespaces, veths, egress chains and
   * dispatch rules (found by name, see names.ts), and networks this manager holds for
   * them. Returns what it removed, e.g. "netns wrenn-cl-…-g0".
   */
  async cleanupDebris(keep: Set<string>): Promise<{ removed: string[] }> {
    const netns = this.ready();
    const removed: string[] = [];
    for (const net of [...this.nets.values()]) {
      if (keep.has(net.capsuleId)) continue;
      await this.destroy(net);
      removed.push(`network of capsule ${net.capsuleId}`);
    }
    const state = { ...(await listNetObjects()), rules: await this.chains.save() };
    const plan = planDebris({ names: this.names, state, keep, known: this.nets, ownToken: this.token });
    for (const [slot, capsuleId] of plan.unadopted) {
      if (this.slots.has(slot)) continue;
      this.slots.claim(slot);
      this.log.warn("kept capsule's network was not adopted; leaving it in place", { capsuleId, slot });
    }
    await netns.removeNetns(plan.netns);
    // Veths of removed namespaces die with them; give the kernel a moment before deleting.
    await netns.reap(plan.links, 300);
    const egress = removeEgressFound(state.rules, this.names, plan.egressSlots);
    if (egress) await this.chains.restore(egress);
    removed.push(...plan.netns.map((n) => `netns ${n}`), ...plan.links.map((l) => `link ${l}`), ...plan.egressSlots.map((s) => `chain ${this.names.egressChain(s)}`));
    if (removed.length > 0) this.log.info("removed network debris", { removed });
    return { removed };
  }

  /**
   * Stops the warm pool. With `removeGlobal` (the default), also destroys every network
   * still held, removes the global chains, any warm pairs and retired veths left on the
   * host, and restores ip_forward unless another Wrenn setup still forwards. Works
   * without `init()` too, to clean a host after an agent has stopped. Without
   * `removeGlobal`, capsule networks stay for the next agent run to adopt.
   */
  async shutdown(opts: { removeGlobal: boolean } = { removeGlobal: true }): Promise<void> {
    const netns = this.netns ?? new CapsuleNetns({ names: this.names, token: this.token, mtu: 1500 });
    await this.pool?.drain();
    if (opts.removeGlobal) {
      for (const net of [...this.nets.values()]) {
        this.log.warn("removing a capsule network at shutdown", { capsuleId: net.capsuleId });
        await this.lock.run(net.capsuleId, () => this.removeNetwork(netns, net));
      }
    }
    await netns.settle();
    if (opts.removeGlobal) {
      const rs = await this.chains.save();
      const original = this.originalForward ?? this.chains.recordedForward(rs);
      await this.chains.uninstall(rs);
      const state = await listNetObjects();
      const spare = (name: string): boolean => ["pool", "dying"].includes(this.names.parseLink(name)?.kind ?? "");
      await netns.removeNetns(state.netns.filter((n) => this.names.parseNetns(n)?.kind === "pool"));
      await netns.reap(state.links.filter(spare), 300);
      const others = this.chains.othersForwarding(await this.chains.save());
      if (original !== undefined && !others && (await readIpForward()) !== original) await writeIpForward(original);
    }
    netns.close();
    this.netns = undefined;
    this.pool = undefined;
  }

  /** Resolves when the warm pool is full and idle (tests and benchmarks). */
  async whenPoolFull(): Promise<void> {
    await this.pool?.whenFull();
  }

  private ready(): CapsuleNetns {
    if (!this.netns) throw new WrennError("invalid_state", "the network manager is not initialized; call init() first");
    return this.netns;
  }

  private describe(capsuleId: string, slot: Slot, generation: number, policy: NetworkPolicy): CapsuleNetwork {
    const netnsName = this.names.netns(capsuleId, generation);
    return {
      capsuleId,
      slotIndex: slot.index,
      hostIp: slot.hostIp,
      capsuleIp: slot.capsuleIp,
      netnsName,
      netnsPath: `/var/run/netns/${netnsName}`,
      hostVeth: this.names.hostVeth(slot.index),
      generation,
      policy,
    };
  }

  private async removeNetwork(netns: CapsuleNetns, net: CapsuleNetwork): Promise<void> {
    const current = this.nets.get(net.capsuleId);
    const target = current ?? net;
    if (!current) {
      // Not held here (never adopted): only touch objects that carry this capsule's names,
      // and not a slot that another capsule now owns.
      assertCapsuleId(net.capsuleId);
      const parsed = this.names.parseNetns(net.netnsName ?? "");
      if (parsed?.kind !== "capsule" || parsed.capsuleId !== net.capsuleId) {
        throw new WrennError("invalid_request", `network state of capsule ${net.capsuleId} names namespace "${net.netnsName}", which is not this capsule's`);
      }
    }
    const slotFree =
      Number.isInteger(target.slotIndex) && target.slotIndex >= 0 && (current !== undefined || ![...this.nets.values()].some((n) => n.slotIndex === target.slotIndex));
    await Promise.all([
      netns.remove(slotFree ? target.slotIndex : undefined, target.netnsName),
      slotFree ? this.egress.remove(target.slotIndex, target.capsuleId) : undefined,
    ]);
    if (current) {
      this.nets.delete(current.capsuleId);
      this.slots.release(current.slotIndex);
    }
  }

  /** A warm pair if there is one, else a fresh one, claimed for the slot. */
  private async attach(slot: Slot, netnsName: string): Promise<void> {
    const netns = this.ready();
    const warm = this.pool?.take();
    if (warm) {
      try {
        return await netns.claim(warm, slot, netnsName);
      } catch (err) {
        this.log.warn("warm network pair unusable; making a fresh one", { error: (err as Error).message });
      }
    }
    await netns.claim(await netns.makeBlank(), slot, netnsName);
  }
}
