import { readFile } from "node:fs/promises";
import { endianness } from "node:os";

/** One listening TCP socket from /proc/net/tcp or /proc/net/tcp6. */
export interface ListenSocket {
  family: 4 | 6;
  /** Textual address: "127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::". */
  address: string;
  port: number;
}

/** A port served only on loopback, and where to reach it from inside the capsule. */
export interface LoopbackPort {
  port: number;
  /** The IPv4 loopback address listened on (v4-mapped ones unwrapped), else "::1". */
  target: string;
}

const TCP_LISTEN = "0A";

type Endianness = "LE" | "BE";

/**
 * The kernel prints each 32-bit word of an address as `%08X` of its in-memory value, so
 * on little-endian machines the bytes of every word come out reversed.
 */
function wordBytes(hex: string, order: Endianness): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return order === "LE" ? bytes.reverse() : bytes;
}

export function parseIpv4Hex(hex: string, order: Endianness = endianness()): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new Error(`bad IPv4 address in /proc/net/tcp: "${hex}"`);
  return wordBytes(hex, order).join(".");
}

export function parseIpv6Hex(hex: string, order: Endianness = endianness()): string {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) throw new Error(`bad IPv6 address in /proc/net/tcp6: "${hex}"`);
  const bytes: number[] = [];
  for (let w = 0; w < 32; w += 8) bytes.push(...wordBytes(hex.slice(w, w + 8), order));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses keep their dotted tail, as the rest of Node prints them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join(".")}`;
  }
  return compressIpv6(groups);
}

/** RFC 5952 form: lowercase, longest run (≥ 2) of zero groups as "::". */
function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** LISTEN sockets in the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6). */
export function parseProcNetTcp(text: string, family: 4 | 6, order: Endianness = endianness()): ListenSocket[] {
  const sockets: ListenSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    // "  0: 0100007F:1F90 00000000:0000 0A ..." → sl, local, remote, state, ...
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== TCP_LISTEN) continue;
    const [addrHex, portHex] = fields[1]!.split(":");
    if (!addrHex || !portHex) continue;
    try {
      const address = family === 4 ? parseIpv4Hex(addrHex, order) : parseIpv6Hex(addrHex, order);
      sockets.push({ family, address, port: parseInt(portHex, 16) });
    } catch {
      // A line we do not understand is skipped, not fatal: the next scan reads afresh.
    }
  }
  return sockets;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8. */
export function isLoopback(address: string): boolean {
  if (address === "::1") return true;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/**
 * Ports whose every listener is on loopback. A port that also listens on a wildcard or
 * external address is already reachable and is left alone; `ignore` says which sockets
 * are not the service's own (envd's forwarders, keyed "address:port").
 */
export function loopbackOnlyPorts(sockets: ListenSocket[], ignore: ReadonlySet<string> = new Set()): LoopbackPort[] {
  const byPort = new Map<number, ListenSocket[]>();
  for (const socket of sockets) {
    if (ignore.has(`${socket.address}:${socket.port}`)) continue;
    const list = byPort.get(socket.port) ?? [];
    list.push(socket);
    byPort.set(socket.port, list);
  }
  const ports: LoopbackPort[] = [];
  for (const [port, list] of byPort) {
    if (!list.every((s) => isLoopback(s.address))) continue;
    // Connect to the address the service chose (it may be 127.0.0.2); prefer IPv4.
    const v4 = list.find((s) => s.address !== "::1");
    ports.push({ port, target: v4 ? v4.address.replace(/^::ffff:/, "") : "::1" });
  }
  return ports.sort((a, b) => a.port - b.port);
}

/** Reads both tables; a missing table (IPv6 disabled) counts as empty. */
export async function readListenSockets(procRoot = "/proc"): Promise<ListenSocket[]> {
  const read = async (name: string): Promise<string> => readFile(`${procRoot}/net/${name}`, "utf8").catch(() => "");
  const [tcp, tcp6] = await Promise.all([read("tcp"), read("tcp6")]);
  return [...parseProcNetTcp(tcp, 4), ...parseProcNetTcp(tcp6, 6)];
}
