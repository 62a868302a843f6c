import { describe, expect, it } from "vitest";
import { NetNames, assertCapsuleId, isCapsuleId, newPoolToken } from "./names.js";

describe("NetNames", () => {
  const names = new NetNames();
  const id = "cl-0123456789abcdefghijklmno";

  it("names every object after its owner and parses the names back", () => {
    expect(names.netns(id, 3)).toBe(`wrenn-${id}-g3`);
    expect(names.parseNetns(`wrenn-${id}-g3`)).toEqual({ kind: "capsule", capsuleId: id, generation: 3 });
    expect(names.parseNetns(names.poolNetns("k3x9", 7))).toEqual({ kind: "pool", token: "k3x9" });
    expect(names.parseLink(names.hostVeth(16383))).toEqual({ kind: "host", slot: 16383 });
    expect(names.parseLink(names.dyingVeth(12, 5))).toEqual({ kind: "dying", slot: 12 });
    expect(names.parseLink(names.poolVeth("k3x9", 40))).toEqual({ kind: "pool", token: "k3x9" });
    expect(names.parseEgressChain(names.egressChain(42))).toBe(42);
  });

  it("ignores names that are not its own", () => {
    expect(names.parseNetns("wrenn-inet")).toBeUndefined();
    expect(names.parseNetns("other-cl-abc-g0")).toBeUndefined();
    expect(names.parseLink("eth0")).toBeUndefined();
    expect(names.parseLink("wr5c")).toBeUndefined();
    expect(new NetNames("WRTEST", "wt").parseLink("wr5h")).toBeUndefined();
    expect(names.parseEgressChain("WRTEST-EG-4")).toBeUndefined();
    expect(new NetNames("WRTEST", "wt").parseNetns(`wrenn-${id}-g0`)).toBeUndefined();
  });

  it("keeps interface names within the kernel's 15 characters", () => {
    const longest = new NetNames("ABCDEFGHIJKL", "abcd");
    const maxSlot = 2 ** 24 / 4 - 1; // a /8 pool
    for (const name of [longest.hostVeth(maxSlot), longest.dyingVeth(maxSlot, 10 ** 9), longest.poolVeth(newPoolToken(), 2 ** 31)]) {
      expect(name.length).toBeLessThanOrEqual(15);
    }
    expect(longest.egressChain(maxSlot).length).toBeLessThanOrEqual(28);
  });

  it("rejects prefixes that would break the naming scheme", () => {
    expect(() => new NetNames("wrenn")).toThrow(/chain prefix "wrenn"/);
    expect(() => new NetNames("WR-X")).toThrow(/chain prefix/);
    expect(() => new NetNames("WRENN", "wr1")).toThrow(/veth prefix "wr1"/);
    expect(() => new NetNames("WRENN", "abcde")).toThrow(/1 to 4/);
  });

  it("accepts capsule ids only from a safe alphabet", () => {
    expect(isCapsuleId(id)).toBe(true);
    for (const bad of ["", "CL-ABC", "cl abc", "cl-abc;reboot", "-cl", "pool-1", "a".repeat(64)]) expect(isCapsuleId(bad)).toBe(false);
    expect(() => assertCapsuleId("cl x")).toThrow(/capsule id "cl x"/);
  });
});
