import { WrennError } from "@wrenn/core";

/**
 * Hands out per-capsule network slots. Slot n owns the /30 at `base + 4n`:
 * `.1` is the host end of the veth, `.2` the capsule end. Freed slots are reused
 * lowest-first so addresses stay compact and predictable.
 */
export interface Slot {
  index: number;
  hostIp: string;
  capsuleIp: string;
  /** CIDR of the whole /30, for routes and firewall rules. */
  cidr: string;
  prefix: 30;
}

export class SlotAllocator {
  private readonly used = new Set<number>();
  private readonly baseInt: number;
  readonly capacity: number;

  /** `cidr` is the pool, e.g. "10.11.0.0/16" (16384 slots). */
  constructor(readonly cidr = "10.11.0.0/16") {
    const [ip, bits] = cidr.split("/");
    const prefix = Number(bits);
    if (!ip || !Number.isInteger(prefix) || prefix < 8 || prefix > 28) {
      throw new WrennError("invalid_request", `slot pool "${cidr}" must be an IPv4 CIDR with a prefix from /8 to /28`);
    }
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    this.baseInt = (ipToInt(ip) & mask) >>> 0;
    this.capacity = 2 ** (32 - prefix) / 4;
  }

  get size(): number {
    return this.used.size;
  }

  allocate(): Slot {
    for (let i = 0; i < this.capacity; i++) {
      if (!this.used.has(i)) return this.claim(i);
    }
    throw new WrennError("no_hosts_available", `all ${this.capacity} network slots of ${this.cidr} are in use`);
  }

  /** Marks a known slot as used (capsules re-adopted after an agent restart). */
  claim(index: number): Slot {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new WrennError("invalid_request", `slot ${index} is outside 0..${this.capacity - 1}`);
    }
    this.used.add(index);
    return this.slot(index);
  }

  /** Indexes in use, lowest first. */
  usedIndexes(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  has(index: number): boolean {
    return this.used.has(index);
  }

  release(index: number): void {
    this.used.delete(index);
  }

  slot(index: number): Slot {
    const net = this.baseInt + index * 4;
    return { index, hostIp: intToIp(net + 1), capsuleIp: intToIp(net + 2), cidr: `${intToIp(net)}/30`, prefix: 30 };
  }
}

export function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new WrennError("invalid_request", `"${ip}" is not an IPv4 address`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
