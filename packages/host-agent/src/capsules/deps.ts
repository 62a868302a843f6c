import type { NetworkPolicy } from "./types.js";
import type { CapsuleNetwork } from "../network/types.js";

/**
 * What the capsule manager needs from its collaborators. main.ts adapts the concrete
 * image store, network manager and metrics sampler to these shapes.
 */
export interface ImageSource {
  /** Builds the template's image if needed; `not_found` for an unknown template. */
  ensureImage(name: string, signal?: AbortSignal): Promise<{ rootfs: string; contentHash: string }>;
  /** The /opt/wrenn layer (envd + Node) for new capsules. */
  ensureOptLayer(signal?: AbortSignal): Promise<{ dir: string; hash: string }>;
  isBuiltin(name: string): boolean;
  list(): Promise<{ name: string; contentHash: string; createdAt: number; sizeBytes: number }[]>;
}

/** A capsule's network as the network module hands it out (plain JSON, persisted). */
export type CapsuleNet = CapsuleNetwork;

export interface NetworkProvider {
  create(capsuleId: string, policy: NetworkPolicy): Promise<CapsuleNet>;
  renew(net: CapsuleNet): Promise<CapsuleNet>;
  /** Removes the namespace and veth of a paused capsule; keeps its slot and policy for renew. */
  park(net: CapsuleNet): Promise<void>;
  adopt(net: CapsuleNet): CapsuleNet;
  setPolicy(net: CapsuleNet, policy: NetworkPolicy): Promise<void>;
  destroy(net: CapsuleNet): Promise<void>;
  cleanupDebris(keep: Set<string>): Promise<{ removed: string[] }>;
}
