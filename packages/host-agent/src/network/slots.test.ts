import { describe, expect, it } from "vitest";
import { SlotAllocator, intToIp, ipToInt } from "./slots.js";

describe("SlotAllocator", () => {
  it("gives each slot its own /30 with host .1 and capsule .2", () => {
    const slots = new SlotAllocator("10.11.0.0/16");
    expect(slots.capacity).toBe(16384);
    expect(slots.allocate()).toEqual({ index: 0, hostIp: "10.11.0.1", capsuleIp: "10.11.0.2", cidr: "10.11.0.0/30", prefix: 30 });
    expect(slots.allocate()).toMatchObject({ index: 1, hostIp: "10.11.0.5", capsuleIp: "10.11.0.6" });
    expect(slots.slot(16383)).toMatchObject({ capsuleIp: "10.11.255.254" });
  });

  it("reuses released slots lowest first and reports exhaustion", () => {
    const slots = new SlotAllocator("10.11.0.0/28");
    const all = [slots.allocate(), slots.allocate(), slots.allocate(), slots.allocate()];
    expect(all.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(() => slots.allocate()).toThrow(/all 4 network slots/);
    slots.release(2);
    slots.release(1);
    expect(slots.allocate().index).toBe(1);
    expect(slots.size).toBe(3);
  });

  it("handles thousands of slots and re-adoption", () => {
    const slots = new SlotAllocator();
    for (let i = 0; i < 5000; i++) slots.allocate();
    expect(slots.size).toBe(5000);
    slots.claim(9000);
    expect(() => slots.claim(20000)).toThrow(/outside/);
    expect(new Set(Array.from({ length: 5000 }, (_, i) => slots.slot(i).capsuleIp)).size).toBe(5000);
  });

  it("converts addresses both ways and rejects bad pools", () => {
    expect(intToIp(ipToInt("192.168.1.200"))).toBe("192.168.1.200");
    expect(() => ipToInt("300.1.1.1")).toThrow();
    expect(() => new SlotAllocator("10.0.0.0/30")).toThrow(/prefix/);
  });
});
