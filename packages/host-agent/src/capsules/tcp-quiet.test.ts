import { describe, expect, it } from "vitest";
import { liveConnections, procHexIp } from "./tcp-quiet.js";

const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100000A:C350 0200000A:C34F 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100000A:C351 0200000A:C34F 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
   2: 0100000A:C352 0200000A:C34F 04 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000
   3: 0100000A:C353 0600000A:C34F 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000`;

describe("tcp quiet check", () => {
  it("encodes IPv4 the way /proc/net/tcp does", () => {
    expect(procHexIp("10.0.0.2")).toBe("0200000A");
    expect(procHexIp("192.168.1.200")).toBe("C801A8C0");
  });
  it("counts open and closing connections to one address, not TIME_WAIT or other peers", () => {
    expect(liveConnections(table, "10.0.0.2")).toBe(2);
    expect(liveConnections(table, "10.0.0.6")).toBe(1);
    expect(liveConnections(table, "10.0.0.9")).toBe(0);
  });
});
