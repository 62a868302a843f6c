export { NetworkManager, type NetworkManagerOptions } from "./network-manager.js";
export { SlotAllocator, type Slot } from "./slots.js";
export { validatePolicy } from "./egress.js";
export { defaultNames, type NetNames } from "./firewall.js";
