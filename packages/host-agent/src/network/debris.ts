import { readdir } from "node:fs/promises";
import type { NetNames } from "./names.js";
import { commentOf, inInterfaceOf, rulesIn, targetOf, type Ruleset } from "./ruleset.js";

/** What the kernel holds that carries this module's names. */
export interface HostNetState {
  netns: string[];
  links: string[];
  rules: Ruleset;
}

export interface DebrisPlan {
  netns: string[];
  links: string[];
  /** Slots whose egress chain and dispatch rules go. */
  egressSlots: number[];
  /**
   * Slots of kept capsules that this manager was never told about (no adopt), found
   * through the capsule id in their dispatch rule's comment: left alone and reserved.
   */
  unadopted: Map<number, string>;
}

/** Named namespaces and host interfaces, read from the filesystem (no process spawn). */
export async function listNetObjects(): Promise<{ netns: string[]; links: string[] }> {
  const list = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
  const [netns, links] = await Promise.all([list("/run/netns"), list("/sys/class/net")]);
  return { netns, links };
}

/**
 * Decides what is debris, from names alone (names.ts): namespaces of capsules not kept
 * or of a generation the manager no longer uses, warm pairs of another agent run, dying
 * veths, and veths and egress chains of slots that no kept capsule owns.
 */
export function planDebris(input: {
  names: NetNames;
  state: HostNetState;
  keep: Set<string>;
  /** Networks the manager holds (all kept), by capsule id. */
  known: Map<string, { slotIndex: number; netnsName: string }>;
  ownToken: string;
}): DebrisPlan {
  const { names, state, keep, known, ownToken } = input;
  const owner = new Map<number, string>();
  for (const [id, net] of known) owner.set(net.slotIndex, id);
  const unadopted = new Map<number, string>();
  const dispatch = rulesIn(state.rules, "filter", names.egress);
  for (const rule of dispatch) {
    const id = /^capsule=(.+)$/.exec(commentOf(rule.spec) ?? "")?.[1];
    const slot = slotOf(names, rule.spec);
    if (id && slot !== undefined && keep.has(id) && !known.has(id) && !owner.has(slot)) {
      owner.set(slot, id);
      unadopted.set(slot, id);
    }
  }

  const netns = state.netns.filter((name) => {
    const parsed = names.parseNetns(name);
    if (!parsed) return false;
    if (parsed.kind === "pool") return parsed.token !== ownToken;
    if (!keep.has(parsed.capsuleId)) return true;
    const net = known.get(parsed.capsuleId);
    return net !== undefined && net.netnsName !== name;
  });

  const links = state.links.filter((name) => {
    const parsed = names.parseLink(name);
    if (!parsed) return false;
    if (parsed.kind === "pool") return parsed.token !== ownToken;
    if (parsed.kind === "dying") return true;
    return !owner.has(parsed.slot);
  });

  const egressSlots = new Set<number>();
  for (const chain of state.rules.chains.get("filter") ?? []) {
    const slot = names.parseEgressChain(chain);
    if (slot !== undefined && !owner.has(slot)) egressSlots.add(slot);
  }
  for (const rule of dispatch) {
    const slot = slotOf(names, rule.spec);
    if (slot !== undefined && !owner.has(slot)) egressSlots.add(slot);
  }
  return { netns, links, egressSlots: [...egressSlots].sort((a, b) => a - b), unadopted };
}

function slotOf(names: NetNames, spec: string): number | undefined {
  const link = names.parseLink(inInterfaceOf(spec) ?? "");
  if (link?.kind === "host") return link.slot;
  return names.parseEgressChain(targetOf(spec) ?? "");
}
