import { describe, expect, it } from "vitest";
import { isLoopback, loopbackOnlyPorts, parseIpv4Hex, parseIpv6Hex, parseProcNetTcp, type ListenSocket } from "./scan.js";

// Captured on x86_64 (little-endian) with listeners on 127.0.0.1:18080, 127.0.0.2:18085,
// 0.0.0.0:18084, plus one established connection (state 01) and one TIME_WAIT (06).
const procNetTcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0200007F:46A5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91286 1 00000000ea41e209 100 0 0 10 0
   1: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91281 1 00000000c28a6f6f 100 0 0 10 0
   2: 19004D0A:D786 1A004D0A:C33F 01 00000000:00000000 03:000016E2 00000000     0        0 0 3 0000000034c9e408
   3: 00000000:46A4 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91285 1 00000000b20b7b5a 100 0 0 10 0
   4: 0100007F:C350 0100007F:46A0 06 00000000:00000000 03:0000171A 00000000     0        0 0 3 00000000afd75f95
`;

// Listeners on [::1]:18081, [::ffff:127.0.0.1]:18082, [::]:18083, [2001:db8::1]:18086,
// [fe80::1:2]:18087; one established [::1] connection.
const procNetTcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:46A1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91282 1 00000000c028ea29 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:46A2 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91283 1 0000000065bab33e 100 0 0 10 0
   2: 00000000000000000000000000000000:46A3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91284 1 00000000d43f6416 100 0 0 10 0
   3: B80D0120000000000000000001000000:46A6 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91290 1 0000000065bab33e 100 0 0 10 0
   4: 000080FE000000000000000002000100:46A7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91291 1 0000000065bab33e 100 0 0 10 0
   5: 00000000000000000000000001000000:C351 00000000000000000000000001000000:46A1 01 00000000:00000000 00:00000000 00000000     0        0 91292 1 0000000065bab33e 20 4 30 10 -1
`;

describe("parseIpv4Hex", () => {
  it("reverses the bytes of the little-endian word", () => {
    expect(parseIpv4Hex("0100007F", "LE")).toBe("127.0.0.1");
    expect(parseIpv4Hex("19004D0A", "LE")).toBe("10.77.0.25");
    expect(parseIpv4Hex("00000000", "LE")).toBe("0.0.0.0");
  });

  it("keeps the byte order on big-endian machines", () => {
    expect(parseIpv4Hex("7F000001", "BE")).toBe("127.0.0.1");
  });

  it("rejects malformed text", () => {
    expect(() => parseIpv4Hex("7F0001", "LE")).toThrow(/bad IPv4/);
    expect(() => parseIpv4Hex("ZZ000001", "LE")).toThrow(/bad IPv4/);
  });
});

describe("parseIpv6Hex", () => {
  it("reads four little-endian words and compresses zeros", () => {
    expect(parseIpv6Hex("00000000000000000000000001000000", "LE")).toBe("::1");
    expect(parseIpv6Hex("00000000000000000000000000000000", "LE")).toBe("::");
    expect(parseIpv6Hex("B80D0120000000000000000001000000", "LE")).toBe("2001:db8::1");
    expect(parseIpv6Hex("000080FE000000000000000002000100", "LE")).toBe("fe80::1:2");
  });

  it("prints IPv4-mapped addresses with a dotted tail", () => {
    expect(parseIpv6Hex("0000000000000000FFFF00000100007F", "LE")).toBe("::ffff:127.0.0.1");
  });

  it("compresses only the longest zero run and not single zero groups", () => {
    // 2001:db8:0:1:0:0:0:1
    expect(parseIpv6Hex("B80D0120010000000000000001000000", "LE")).toBe("2001:db8:0:1::1");
    // 1:0:2:0:3:0:4:0 — no run of two.
    expect(parseIpv6Hex("00000100000002000000030000000400", "LE")).toBe("1:0:2:0:3:0:4:0");
  });

  it("reads big-endian words as they are", () => {
    expect(parseIpv6Hex("00000000000000000000000000000001", "BE")).toBe("::1");
  });
});

describe("parseProcNetTcp", () => {
  it("returns only LISTEN sockets of /proc/net/tcp", () => {
    expect(parseProcNetTcp(procNetTcp, 4, "LE")).toEqual([
      { family: 4, address: "127.0.0.2", port: 18085 },
      { family: 4, address: "127.0.0.1", port: 18080 },
      { family: 4, address: "0.0.0.0", port: 18084 },
    ]);
  });

  it("returns only LISTEN sockets of /proc/net/tcp6", () => {
    expect(parseProcNetTcp(procNetTcp6, 6, "LE")).toEqual([
      { family: 6, address: "::1", port: 18081 },
      { family: 6, address: "::ffff:127.0.0.1", port: 18082 },
      { family: 6, address: "::", port: 18083 },
      { family: 6, address: "2001:db8::1", port: 18086 },
      { family: 6, address: "fe80::1:2", port: 18087 },
    ]);
  });

  it("skips the header, blank and garbled lines", () => {
    expect(parseProcNetTcp("", 4, "LE")).toEqual([]);
    expect(parseProcNetTcp("header\n\n   0: XYZ:0050 00000000:0000 0A\n   1: 0100007F 0A\n", 4, "LE")).toEqual([]);
  });
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.3.4", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.1", false],
    ["128.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["fe80::1", false],
    ["::2", false],
  ])("%s → %s", (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe("loopbackOnlyPorts", () => {
  const sockets = [...parseProcNetTcp(procNetTcp, 4, "LE"), ...parseProcNetTcp(procNetTcp6, 6, "LE")];

  it("keeps ports whose every listener is on loopback, with an address to reach them", () => {
    expect(loopbackOnlyPorts(sockets)).toEqual([
      { port: 18080, target: "127.0.0.1" },
      { port: 18081, target: "::1" },
      { port: 18082, target: "127.0.0.1" },
      { port: 18085, target: "127.0.0.2" },
    ]);
  });

  it("skips a port that also listens on a wildcard or external address", () => {
    const both: ListenSocket[] = [
      { family: 4, address: "127.0.0.1", port: 3000 },
      { family: 6, address: "::", port: 3000 },
      { family: 4, address: "127.0.0.1", port: 4000 },
      { family: 4, address: "10.0.0.2", port: 4000 },
      { family: 6, address: "::1", port: 5000 },
      { family: 4, address: "127.0.0.1", port: 5000 },
    ];
    expect(loopbackOnlyPorts(both)).toEqual([{ port: 5000, target: "127.0.0.1" }]);
  });

  it("does not count the forwarder's own listeners as external", () => {
    const withForwarder: ListenSocket[] = [
      { family: 4, address: "127.0.0.1", port: 8123 },
      { family: 4, address: "10.250.1.2", port: 8123 },
    ];
    expect(loopbackOnlyPorts(withForwarder)).toEqual([]);
    expect(loopbackOnlyPorts(withForwarder, new Set(["10.250.1.2:8123"]))).toEqual([{ port: 8123, target: "127.0.0.1" }]);
  });
});
