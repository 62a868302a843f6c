// Capsule network isolation and egress policy with real namespaces, veths and iptables.
// No runsc: a process started with `ip netns exec <capsule netns>` plays the capsule (a
// gVisor capsule moves eth0's address into its own netstack, but the host-side rules are
// the same). Uses its own chain prefix, veth prefix and pool so it never touches the
// WRENN chains or capsules of anything else running on this machine.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { resolve4 } from "node:dns/promises";
import { readFile, readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { NetworkManager, type CapsuleNetwork } from "../../../packages/host-agent/src/network/index.js";

const exec = promisify(execFile);
const PREFIX = "WRTISO";
const allowAll = { egress: "allow_all" as const, allowCidrs: [], allowDomains: [] };
const tag = Math.random().toString(36).slice(2, 6);

// "Fake internet": a namespace behind a host veth whose name does not start with the
// capsule prefix (it would count as a capsule otherwise).
const INET = { netns: `fakenet-${tag}`, hostVeth: `fki${tag}`, hostIp: "10.241.0.1", a: "10.241.0.2", b: "10.241.0.3", linkLocal: "169.254.77.77" };
const FAKE_DNS: Record<string, string[]> = { "inet-b.wrenn.test": [INET.b] };

const SERVER_JS =
  'const [port, name] = process.argv.slice(1); require("http").createServer((q, r) => r.end(name + " peer=" + q.socket.remoteAddress)).listen(+port, "0.0.0.0", () => console.log("ready"))';

async function curl(ns: string | undefined, url: string, timeoutSec = 1): Promise<{ ok: boolean; body: string }> {
  const args = ["-sS", "-g", "-m", String(timeoutSec), url];
  try {
    const { stdout } = ns === undefined ? await exec("curl", args) : await exec("ip", ["netns", "exec", ns, "curl", ...args]);
    return { ok: true, body: stdout.trim() };
  } catch (err) {
    return { ok: false, body: (err as Error).message };
  }
}

async function serveIn(ns: string, port: number, name: string): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SERVER_JS, String(port), name], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`server in ${ns} exited (${code})`)));
  });
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

describe.skipIf(process.getuid?.() !== 0)("capsule network isolation and egress", () => {
  const manager = new NetworkManager({
    pool: "10.240.0.0/22",
    chainPrefix: PREFIX,
    vethPrefix: "ti",
    warmPoolSize: 2,
    resolve4: async (domain) => FAKE_DNS[domain] ?? resolve4(domain),
  });
  const servers: ChildProcess[] = [];
  let a: CapsuleNetwork;
  let b: CapsuleNetwork;
  let hostServer: Server;
  let hostPort = 0;
  let inetServer: ChildProcess | undefined;
  const hostMainIp = Object.entries(networkInterfaces())
    .filter(([name]) => !name.startsWith("ti") && name !== "lo")
    .flatMap(([, addrs]) => addrs ?? [])
    .find((addr) => addr.family === "IPv4" && !addr.internal)?.address;
  const hostIpv6 = Object.values(networkInterfaces())
    .flatMap((addrs) => addrs ?? [])
    .find((addr) => addr.family === "IPv6" && !addr.internal && !addr.address.startsWith("fe80"))?.address;

  beforeAll(async () => {
    await manager.init();
    for (const line of [
      `netns add ${INET.netns}`,
      `link add ${INET.hostVeth} type veth peer name fk0 netns ${INET.netns}`,
      `addr add ${INET.hostIp}/24 dev ${INET.hostVeth}`,
      `link set ${INET.hostVeth} up`,
      `route add ${INET.linkLocal}/32 via ${INET.a}`,
    ]) {
      await exec("ip", line.split(" "));
    }
    for (const line of ["link set lo up", "link set fk0 up", `addr add ${INET.a}/24 dev fk0`, `addr add ${INET.b}/24 dev fk0`, `addr add ${INET.linkLocal}/32 dev fk0`]) {
      await exec("ip", ["-n", INET.netns, ...line.split(" ")]);
    }
    inetServer = await serveIn(INET.netns, 8080, "inet");
    hostServer = createServer((_q, r) => r.end("host")).listen(0, "::");
    await new Promise((r) => hostServer.once("listening", r));
    hostPort = (hostServer.address() as { port: number }).port;
    [a, b] = await Promise.all([manager.create("cl-iso-a", allowAll), manager.create("cl-iso-b", allowAll)]);
    servers.push(await serveIn(a.netnsName, 8080, "capsule-a"), await serveIn(b.netnsName, 8080, "capsule-b"));
  });

  afterAll(async () => {
    await Promise.all([...servers, inetServer].map(stop));
    hostServer?.close();
    for (const net of [a, b]) if (net) await manager.destroy(net).catch(() => {});
    await manager.shutdown({ removeGlobal: true });
    await exec("ip", ["route", "del", `${INET.linkLocal}/32`]).catch(() => {});
    await exec("ip", ["link", "del", INET.hostVeth]).catch(() => {});
    await exec("ip", ["netns", "del", INET.netns]).catch(() => {});
    const rules = (await exec("iptables-save", [])).stdout.split("\n").filter((l) => l.includes(PREFIX));
    const netns = (await readdir("/run/netns").catch(() => [])).filter((n) => n.startsWith(`${PREFIX.toLowerCase()}-`));
    const links = (await readdir("/sys/class/net")).filter((l) => l.startsWith("ti"));
    // Sweep whatever a failed run left before asserting, so the next run starts clean.
    for (const ns of netns) await exec("ip", ["netns", "del", ns]).catch(() => {});
    for (const link of links) await exec("ip", ["link", "del", link]).catch(() => {});
    if (rules.length > 0) await new NetworkManager({ chainPrefix: PREFIX, vethPrefix: "ti" }).shutdown({ removeGlobal: true });
    expect({ rules, netns, links }).toEqual({ rules: [], netns: [], links: [] });
  });

  it("lets the host reach servers in capsules", async () => {
    expect(await curl(undefined, `http://${a.capsuleIp}:8080/`)).toEqual({ ok: true, body: `capsule-a peer=${a.hostIp}` });
    expect((await curl(undefined, `http://${b.capsuleIp}:8080/`)).body).toMatch(/^capsule-b/);
  });

  it("keeps capsules apart, both directions", async () => {
    const [ab, ba] = await Promise.all([curl(a.netnsName, `http://${b.capsuleIp}:8080/`), curl(b.netnsName, `http://${a.capsuleIp}:8080/`)]);
    expect(ab.ok).toBe(false);
    expect(ba.ok).toBe(false);
  });

  it("keeps capsules away from every host address", async () => {
    const targets = [a.hostIp, b.hostIp, hostMainIp!];
    // The host itself reaches the service on each of them...
    for (const ip of targets) expect(await curl(undefined, `http://${ip}:${hostPort}/`)).toEqual({ ok: true, body: "host" });
    // ...a capsule on none: its own gateway, another capsule's gateway, the host's main IP.
    const fromA = await Promise.all(targets.map((ip) => curl(a.netnsName, `http://${ip}:${hostPort}/`)));
    expect(fromA.map((r) => r.ok)).toEqual([false, false, false]);
  });

  it("gives the capsule end and the host end no IPv6, so `::` services stay closed", async () => {
    expect((await readFile(`/proc/sys/net/ipv6/conf/${a.hostVeth}/disable_ipv6`, "utf8")).trim()).toBe("1");
    expect((await exec("ip", ["-6", "-o", "addr", "show", "dev", a.hostVeth])).stdout).toBe("");
    expect((await exec("ip", ["-n", a.netnsName, "-6", "-o", "addr", "show", "dev", "eth0"])).stdout).toBe("");
    if (!hostIpv6) return;
    // A capsule that configures IPv6 itself still gets nowhere.
    await exec("ip", ["-n", a.netnsName, "-6", "addr", "add", "fe80::2/64", "dev", "eth0", "nodad"]);
    await exec("ip", ["-n", a.netnsName, "-6", "route", "add", "default", "dev", "eth0"]);
    try {
      expect((await curl(a.netnsName, `http://[${hostIpv6}]:${hostPort}/`)).ok).toBe(false);
    } finally {
      await exec("ip", ["-n", a.netnsName, "-6", "addr", "flush", "dev", "eth0"]);
    }
  });

  it("allow_all: egress works through NAT (the peer sees the host side)", async () => {
    expect(await curl(a.netnsName, `http://${INET.a}:8080/`)).toEqual({ ok: true, body: `inet peer=${INET.hostIp}` });
  });

  it("never opens link-local (cloud metadata) addresses, whatever the policy", async () => {
    expect((await curl(undefined, `http://${INET.linkLocal}:8080/`)).ok).toBe(true);
    expect((await curl(a.netnsName, `http://${INET.linkLocal}:8080/`)).ok).toBe(false);
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: ["169.254.0.0/16"], allowDomains: [] });
    try {
      expect((await curl(a.netnsName, `http://${INET.linkLocal}:8080/`)).ok).toBe(false);
    } finally {
      await manager.setPolicy(a, allowAll);
    }
  });

  it("deny_all blocks egress, and setPolicy switches it while the capsule runs", async () => {
    await manager.setPolicy(a, { egress: "deny_all", allowCidrs: [], allowDomains: [] });
    expect((await curl(a.netnsName, `http://${INET.a}:8080/`)).ok).toBe(false);
    // B is untouched by A's policy, and the host still reaches A.
    expect((await curl(b.netnsName, `http://${INET.a}:8080/`)).ok).toBe(true);
    expect((await curl(undefined, `http://${a.capsuleIp}:8080/`)).ok).toBe(true);
    await manager.setPolicy(a, allowAll);
    expect((await curl(a.netnsName, `http://${INET.a}:8080/`)).ok).toBe(true);
  });

  it("allow_list allows exactly the listed CIDRs", async () => {
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [`${INET.a}/32`], allowDomains: [] });
    const [listed, other] = await Promise.all([curl(a.netnsName, `http://${INET.a}:8080/`), curl(a.netnsName, `http://${INET.b}:8080/`)]);
    expect(listed.ok).toBe(true);
    expect(other.ok).toBe(false);
  });

  it("allow_list allows the addresses a domain resolves to at set time (injected resolver)", async () => {
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [], allowDomains: ["inet-b.wrenn.test"] });
    const [resolved, other] = await Promise.all([curl(a.netnsName, `http://${INET.b}:8080/`), curl(a.netnsName, `http://${INET.a}:8080/`)]);
    expect(resolved.ok).toBe(true);
    expect(other.ok).toBe(false);
  });

  it("resolves real domains with the host's DNS", async (ctx) => {
    const addresses = await resolve4("deb.debian.org").catch(() => undefined);
    if (!addresses) return ctx.skip("DNS does not work on this host");
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [], allowDomains: ["deb.debian.org"] });
    const chain = (await exec("iptables-save", ["-t", "filter"])).stdout.split("\n").filter((l) => l.startsWith(`-A ${PREFIX}-EG-${a.slotIndex} `));
    expect(chain).toEqual([...addresses.map((ip) => `-A ${PREFIX}-EG-${a.slotIndex} -d ${ip}/32 -j ACCEPT`), `-A ${PREFIX}-EG-${a.slotIndex} -j DROP`]);
  });

  it("rejects a domain that does not resolve, naming it, and keeps the old policy", async () => {
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [`${INET.a}/32`], allowDomains: [] });
    const err = await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [], allowDomains: ["no-such-host.invalid"] }).catch((e: unknown) => e);
    expect(WrennError.is(err, "invalid_request")).toBe(true);
    expect((err as Error).message).toMatch(/allowDomains entry "no-such-host.invalid" does not resolve/);
    expect((await curl(a.netnsName, `http://${INET.a}:8080/`)).ok).toBe(true);
  });

  it("reaches the resolver (1.1.1.1) under allow_list only when it is listed", async (ctx) => {
    const query = `const r = new (require("dns").promises.Resolver)({ timeout: 1500, tries: 1 }); r.setServers(["1.1.1.1"]); r.resolve4("deb.debian.org").then(() => console.log("ok"), (e) => { console.log(e.code); process.exit(1); })`;
    const dnsFrom = (ns: string) =>
      exec("ip", ["netns", "exec", ns, process.execPath, "-e", query]).then(
        () => true,
        () => false,
      );
    await manager.setPolicy(a, allowAll);
    if (!(await dnsFrom(a.netnsName))) return ctx.skip("1.1.1.1 is not reachable from this host");
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: [`${INET.a}/32`], allowDomains: [] });
    expect(await dnsFrom(a.netnsName)).toBe(false);
    await manager.setPolicy(a, { egress: "allow_list", allowCidrs: ["1.1.1.1/32"], allowDomains: [] });
    expect(await dnsFrom(a.netnsName)).toBe(true);
    await manager.setPolicy(a, { egress: "deny_all", allowCidrs: ["1.1.1.1/32"], allowDomains: [] });
    expect(await dnsFrom(a.netnsName)).toBe(false);
  });
});
