export { NetworkManager } from "./network-manager.js";
export type { CapsuleNetwork, NetworkLog, NetworkManagerOptions } from "./types.js";
export { validatePolicy, POLICY_LIMITS, type Resolve4 } from "./policy.js";
export { SlotAllocator, type Slot } from "./slots.js";
