import { readFile } from "node:fs/promises";

/** TCP states in /proc/net/tcp that still involve the peer (everything but TIME_WAIT/CLOSE/LISTEN). */
const LIVE_STATES = new Set(["01", "02", "03", "04", "05", "08", "09", "0B"]);

/** `10.11.0.2` → `0200110A`, the little-endian hex /proc/net/tcp uses for IPv4. */
export function procHexIp(ip: string): string {
  return ip
    .split(".")
    .map((p) => Number(p).toString(16).padStart(2, "0").toUpperCase())
    .reverse()
    .join("");
}

/** Host-side TCP connections to `ip` that are not yet fully closed. */
export function liveConnections(procNetTcp: string, ip: string): number {
  const hex = procHexIp(ip);
  let count = 0;
  for (const line of procNetTcp.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const remote = fields[2];
    const state = fields[3];
    if (remote?.startsWith(`${hex}:`) && state && LIVE_STATES.has(state)) count++;
  }
  return count;
}

/**
 * Waits until no host connection to the capsule is still open or closing, so the
 * capsule's side of each has finished too: gVisor refuses to checkpoint otherwise.
 */
export async function waitForTcpQuiet(ip: string, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (liveConnections(await readFile("/proc/net/tcp", "utf8"), ip) === 0) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}
