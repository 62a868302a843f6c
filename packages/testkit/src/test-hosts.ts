import { execFileSync } from "node:child_process";

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

function linkExists(name: string): boolean {
  try {
    ip("link", "show", name);
    return true;
  } catch {
    return false;
  }
}

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes what createTestHosts made for `prefix`: namespaces, veths and the bridge, and
 * waits until the links are really gone (under load they outlive their namespace for a
 * while, and a new run would fail on "File exists").
 */
export function removeTestHosts(prefix: string): void {
  for (let i = 1; i <= 9; i++) tryIp("netns", "del", `${prefix}${i}`);
  const links = [`${prefix}br`, ...Array.from({ length: 9 }, (_, i) => `${prefix}${i + 1}h`)];
  for (let attempt = 0; attempt < 60; attempt++) {
    const present = links.filter(linkExists);
    if (present.length === 0) return;
    for (const link of present) tryIp("link", "del", link);
    pause(500);
  }
  throw new Error(`test host links still present after 30 s: ${links.filter(linkExists).join(", ")}`);
}

export interface TestHostNetwork {
  /** The bridge address the control plane listens on, reachable from every test host. */
  gateway: string;
  hosts: { netns: string; address: string }[];
  remove(): void;
}

/**
 * Several "machines" on this one: a network namespace per host, each with its own address
 * on a private bridge (`<prefix>br`, 10.40.<subnet>.0/24 by default). Host agents started
 * inside them (nsenter --net) get their own iptables, routes and forwarding switch, as
 * they would on separate machines; mounts and the image cache stay shared.
 */
export function createTestHosts(options: { prefix: string; count: number; subnet: number }): TestHostNetwork {
  const { prefix, count, subnet } = options;
  const bridge = `${prefix}br`;
  const gateway = `10.40.${subnet}.1`;
  const remove = (): void => removeTestHosts(prefix);
  remove();
  ip("link", "add", bridge, "type", "bridge");
  ip("addr", "add", `${gateway}/24`, "dev", bridge);
  ip("link", "set", bridge, "up");
  const hosts = [];
  for (let i = 1; i <= count; i++) {
    const netns = `${prefix}${i}`;
    const address = `10.40.${subnet}.${10 + i}`;
    ip("netns", "add", netns);
    ip("link", "add", `${prefix}${i}h`, "type", "veth", "peer", "name", `${prefix}${i}n`);
    ip("link", "set", `${prefix}${i}h`, "master", bridge, "up");
    ip("link", "set", `${prefix}${i}n`, "netns", netns);
    ip("-n", netns, "addr", "add", `${address}/24`, "dev", `${prefix}${i}n`);
    ip("-n", netns, "link", "set", `${prefix}${i}n`, "up");
    ip("-n", netns, "link", "set", "lo", "up");
    ip("-n", netns, "route", "add", "default", "via", gateway);
    hosts.push({ netns, address });
  }
  return { gateway, hosts, remove };
}
