// Capsule network lifecycle with real namespaces, veths and iptables: create, renew, park,
// destroy, slot reuse, concurrency, rollback of half-made networks, adoption and debris
// cleanup after an agent restart, bad input. A process started with `ip netns exec` plays
// the capsule. Own chain prefix, veth prefix and pool: nothing else on the host is touched.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdir } from "node:fs/promises";
import { connect } from "node:net";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { NetworkManager, type CapsuleNetwork, type NetworkManagerOptions } from "../../../packages/host-agent/src/network/index.js";

const exec = promisify(execFile);
const PREFIX = "WRTLIFE";
const NS = "wrtlife-";
const VETH = "tl";
const allowAll = { egress: "allow_all" as const, allowCidrs: [], allowDomains: [] };
const options: NetworkManagerOptions = {
  pool: "10.240.16.0/20",
  chainPrefix: PREFIX,
  vethPrefix: VETH,
  warmPoolSize: 2,
  resolve4: async (domain) => {
    if (domain.endsWith(".wrenn.test")) return ["192.0.2.10"];
    throw Object.assign(new Error(`queryA ENOTFOUND ${domain}`), { code: "ENOTFOUND" });
  },
};
const SERVER_JS = 'require("http").createServer((q, r) => r.end("up")).listen(8080, "0.0.0.0", () => console.log("ready"))';

/** What this test's prefixes have on the host. */
async function snapshot(): Promise<{ netns: string[]; links: string[]; rules: string[] }> {
  const netns = (await readdir("/run/netns").catch(() => [])).filter((n) => n.startsWith(NS)).sort();
  const links = (await readdir("/sys/class/net")).filter((l) => l.startsWith(VETH)).sort();
  const rules = (await exec("iptables-save", [])).stdout.split("\n").filter((l) => l.includes(PREFIX));
  return { netns, links, rules };
}
const capsuleObjects = (s: Awaited<ReturnType<typeof snapshot>>) => ({
  netns: s.netns.filter((n) => !n.startsWith(`${NS}pool-`)),
  links: s.links.filter((l) => !l.startsWith(`${VETH}p`)),
  rules: s.rules,
});

/** "refused" proves the path to the capsule's own network stack works. */
function probe(ip: string, port: number, timeoutMs = 1000): Promise<"open" | "refused" | "timeout"> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port, timeout: timeoutMs });
    const done = (result: "open" | "refused" | "timeout") => {
      socket.destroy();
      resolve(result);
    };
    socket.once("connect", () => done("open"));
    socket.once("timeout", () => done("timeout"));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED" ? "refused" : "timeout"));
  });
}

async function serveIn(ns: string): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SERVER_JS], { stdio: ["ignore", "pipe", "inherit"] });
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

/** Removes whatever a failed run left, so the next run starts clean. */
async function sweep(left: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  for (const ns of left.netns) await exec("ip", ["netns", "del", ns]).catch(() => {});
  for (const link of left.links) await exec("ip", ["link", "del", link]).catch(() => {});
  if (left.rules.length > 0) await new NetworkManager(options).shutdown({ removeGlobal: true });
}

async function errorOf(promise: Promise<unknown> | (() => unknown)): Promise<WrennError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    if (err instanceof WrennError) return err;
    throw err;
  }
  throw new Error("expected a WrennError");
}

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe.skipIf(process.getuid?.() !== 0)("capsule network lifecycle", () => {
  const manager = new NetworkManager(options);
  const servers: ChildProcess[] = [];
  const made = new Set<CapsuleNetwork>();
  /** manager.create, remembered so that a failing test cannot leave networks for the next. */
  const create = async (id: string, policy: CapsuleNetwork["policy"]): Promise<CapsuleNetwork> => {
    const net = await manager.create(id, policy);
    made.add(net);
    return net;
  };
  /** After init: global chains and warm pairs, no capsule objects. */
  let baseline: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    expect(await snapshot()).toEqual({ netns: [], links: [], rules: [] });
    await manager.init();
    await manager.whenPoolFull();
    baseline = await snapshot();
    expect(baseline.netns.length).toBe(2);
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stop));
    await Promise.all([...made].map((net) => manager.destroy(net).catch(() => {})));
    made.clear();
  });

  afterAll(async () => {
    await manager.shutdown({ removeGlobal: true });
    const left = await snapshot();
    await sweep(left);
    // Everything with this test's names is gone: namespaces, links, rules.
    expect(left).toEqual({ netns: [], links: [], rules: [] });
  });

  it("refuses to work before init and rejects bad input without allocating anything", async () => {
    const fresh = new NetworkManager(options);
    expect((await errorOf(fresh.create("cl-x", allowAll))).code).toBe("invalid_state");
    const cases: [string, unknown, RegExp][] = [
      ["CL X", allowAll, /capsule id "CL X"/],
      ["cl-bad1", { ...allowAll, egress: "some" }, /egress "some" must be one of/],
      ["cl-bad2", { egress: "allow_list", allowCidrs: ["10.0.0.1/8"], allowDomains: [] }, /allowCidrs\[0\] "10.0.0.1\/8" has host bits set; use "10.0.0.0\/8"/],
      ["cl-bad3", { egress: "allow_list", allowCidrs: ["fd00::/8"], allowDomains: [] }, /IPv6/],
      ["cl-bad4", { egress: "allow_list", allowCidrs: [], allowDomains: ["not a domain"] }, /allowDomains\[0\] "not a domain" is not a domain name/],
      ["cl-bad5", { egress: "allow_list", allowCidrs: Array(257).fill("1.1.1.1/32"), allowDomains: [] }, /at most 256/],
      ["cl-bad6", { egress: "allow_list", allowCidrs: [], allowDomains: ["nowhere.example.org"] }, /"nowhere.example.org" does not resolve/],
    ];
    for (const [id, policy, message] of cases) {
      const err = await errorOf(create(id, policy as never));
      expect(err.code).toBe("invalid_request");
      expect(err.message).toMatch(message);
    }
    expect(manager.slots.size).toBe(0);
    expect(capsuleObjects(await snapshot()).netns).toEqual([]);
  });

  it("creates a network the host reaches, named after the capsule", async () => {
    const net = await create("cl-life-a", allowAll);
    expect(net).toEqual({
      capsuleId: "cl-life-a",
      slotIndex: 0,
      hostIp: "10.240.16.1",
      capsuleIp: "10.240.16.2",
      netnsName: `${NS}cl-life-a-g0`,
      netnsPath: `/var/run/netns/${NS}cl-life-a-g0`,
      hostVeth: `${VETH}0h`,
      generation: 0,
      policy: allowAll,
    });
    expect(JSON.parse(JSON.stringify(net))).toEqual(net);
    expect(await probe(net.capsuleIp, 8080)).toBe("refused");
    expect((await errorOf(create("cl-life-a", allowAll))).code).toBe("conflict");
    await manager.destroy(net);
  });

  it("renew gives a fresh namespace with the same slot and address, and removes the old one", async () => {
    const net = await create("cl-life-renew", allowAll);
    const first = await serveIn(net.netnsName);
    expect(await probe(net.capsuleIp, 8080)).toBe("open");
    await stop(first); // the sandbox is gone after a checkpoint
    const next = await manager.renew(net);
    expect(next).toMatchObject({ slotIndex: net.slotIndex, capsuleIp: net.capsuleIp, hostVeth: net.hostVeth, generation: 1, netnsName: `${NS}cl-life-renew-g1` });
    const names = (await snapshot()).netns;
    expect(names).toContain(next.netnsName);
    expect(names).not.toContain(net.netnsName);
    servers.push(await serveIn(next.netnsName));
    expect(await probe(next.capsuleIp, 8080)).toBe("open");
    // The retired host veth goes away in the background.
    expect(await waitFor(async () => (await snapshot()).links.filter((l) => /^tl\d+x/.test(l)).length === 0)).toBe(true);
    await stop(servers.pop());
    await manager.destroy(next);
  });

  it("park removes the namespace of a paused capsule; renew brings it back on the same slot", async () => {
    const net = await create("cl-life-park", { egress: "deny_all", allowCidrs: [], allowDomains: [] });
    await manager.park(net);
    let s = await snapshot();
    expect(s.netns).not.toContain(net.netnsName);
    expect(s.links).not.toContain(net.hostVeth);
    expect(s.rules).toContain(`-A ${PREFIX}-EG-${net.slotIndex} -j DROP`);
    const next = await manager.renew(net);
    s = await snapshot();
    expect(s.netns).toContain(next.netnsName);
    expect(await probe(next.capsuleIp, 8080)).toBe("refused");
    await manager.destroy(next);
  });

  it("reuses a slot after destroy, and destroy leaves nothing behind (twice is fine)", async () => {
    await manager.whenPoolFull();
    const start = await snapshot();
    const a = await create("cl-life-reuse1", { egress: "allow_list", allowCidrs: ["192.0.2.0/24"], allowDomains: ["api.wrenn.test"] });
    // Chain, two ACCEPTs (CIDR + resolved domain), DROP, dispatch rule.
    expect((await snapshot()).rules.filter((r) => r.includes(`-EG-${a.slotIndex}`))).toHaveLength(5);
    await manager.destroy(a);
    await manager.destroy(a);
    await manager.whenPoolFull();
    const end = await snapshot();
    expect(capsuleObjects(end)).toEqual(capsuleObjects(start));
    expect([end.netns.length, end.links.length]).toEqual([start.netns.length, start.links.length]);
    const b = await create("cl-life-reuse2", allowAll);
    expect(b.slotIndex).toBe(a.slotIndex);
    expect(b.capsuleIp).toBe(a.capsuleIp);
    expect(await probe(b.capsuleIp, 8080)).toBe("refused");
    await manager.destroy(b);
  });

  it("creates and destroys 50 networks concurrently", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `cl-life-many-${i}`);
    const nets = await Promise.all(ids.map((id) => create(id, allowAll)));
    expect(new Set(nets.map((n) => n.capsuleIp)).size).toBe(50);
    expect(new Set(nets.map((n) => n.netnsName)).size).toBe(50);
    expect(await Promise.all(nets.map((n) => probe(n.capsuleIp, 8080)))).toEqual(Array(50).fill("refused"));
    await Promise.all(nets.map((n) => manager.destroy(n)));
    expect(capsuleObjects(await snapshot())).toEqual(capsuleObjects(baseline));
    expect(manager.slots.size).toBe(0);
  });

  it("undoes a half-made network when the firewall step fails", async () => {
    // Hide the dispatch chain so the capsule's egress rules cannot be written.
    await exec("iptables", ["-E", `${PREFIX}-EGRESS`, `${PREFIX}-HIDDEN`]);
    try {
      const err = await errorOf(create("cl-life-half", allowAll));
      expect(err.code).toBe("internal_error");
      expect(err.message).toMatch(/^iptables-restore -w --noflush failed: /);
    } finally {
      await exec("iptables", ["-E", `${PREFIX}-HIDDEN`, `${PREFIX}-EGRESS`]);
    }
    expect(capsuleObjects(await snapshot())).toEqual(capsuleObjects(baseline));
    expect(manager.slots.size).toBe(0);
  });

  it("changes policy only for networks it holds", async () => {
    const ghost = { capsuleId: "cl-ghost", slotIndex: 9, generation: 0, netnsName: `${NS}cl-ghost-g0` } as CapsuleNetwork;
    expect((await errorOf(manager.setPolicy(ghost, allowAll))).code).toBe("not_found");
    expect((await errorOf(manager.destroy({ ...ghost, netnsName: "wrenn-other-g0" }))).code).toBe("invalid_request");
  });

  it("after an agent restart: init is idempotent, adopted networks keep working, debris goes", async () => {
    const keep = await create("cl-life-keep", allowAll);
    const lost = await create("cl-life-lost", { egress: "deny_all", allowCidrs: [], allowDomains: [] });
    servers.push(await serveIn(keep.netnsName));
    // Leak more by hand: a namespace, a veth and an egress chain with this test's names,
    // and a warm pair of an agent that crashed.
    await exec("ip", ["netns", "add", `${NS}cl-life-ghost-g3`]);
    await exec("ip", ["netns", "add", `${NS}pool-zzzz-1`]);
    await exec("ip", ["link", "add", `${VETH}pzzzz1`, "type", "veth", "peer", "name", "zzpeer0"]);
    await exec("ip", ["link", "add", `${VETH}77h`, "type", "veth", "peer", "name", `${VETH}77c`]);
    await new Promise<void>((resolve, reject) => {
      const child = execFile("iptables-restore", ["-w", "--noflush"], (err) => (err ? reject(err) : resolve()));
      child.stdin!.end(`*filter\n:${PREFIX}-EG-77 - [0:0]\n-A ${PREFIX}-EG-77 -j ACCEPT\n-A ${PREFIX}-EGRESS -i ${VETH}77h -j ${PREFIX}-EG-77\nCOMMIT\n`);
    });

    // The old agent stops without removing anything; a new one starts.
    await manager.shutdown({ removeGlobal: false });
    const next = new NetworkManager(options);
    try {
      await next.init();
      const jumps = (await snapshot()).rules.filter((r) => /^-A (FORWARD|INPUT|POSTROUTING) /.test(r));
      expect(jumps).toHaveLength(3);
      const adopted = next.adopt(JSON.parse(JSON.stringify(keep)));
      expect(adopted).toEqual(keep);
      expect((await errorOf(() => next.adopt({ ...lost, slotIndex: keep.slotIndex, hostIp: keep.hostIp, capsuleIp: keep.capsuleIp, hostVeth: keep.hostVeth }))).code).toBe("conflict");
      expect((await errorOf(() => next.adopt({ ...lost, capsuleIp: "10.9.9.9" }))).message).toMatch(/capsuleIp "10.9.9.9", expected/);

      const { removed } = await next.cleanupDebris(new Set([keep.capsuleId]));
      expect(removed).toEqual(
        expect.arrayContaining([
          `netns ${lost.netnsName}`,
          `netns ${NS}cl-life-ghost-g3`,
          `link ${lost.hostVeth}`,
          `link ${VETH}77h`,
          `chain ${PREFIX}-EG-${lost.slotIndex}`,
          `chain ${PREFIX}-EG-77`,
          `netns ${NS}pool-zzzz-1`,
          `link ${VETH}pzzzz1`,
        ]),
      );
      // This agent's own warm pairs stay.
      expect(removed.filter((r) => r.includes("pool-") || r.startsWith(`link ${VETH}p`))).toHaveLength(2);
      const left = await snapshot();
      expect(capsuleObjects(left).netns).toEqual([keep.netnsName]);
      expect(capsuleObjects(left).links).toEqual([keep.hostVeth]);
      expect(left.rules.filter((r) => r.includes("-EG-"))).toEqual([
        `:${PREFIX}-EG-${keep.slotIndex} - [0:0]`,
        `-A ${PREFIX}-EG-${keep.slotIndex} -j ACCEPT`,
        `-A ${PREFIX}-EGRESS -i ${keep.hostVeth} -m comment --comment "capsule=${keep.capsuleId}" -j ${PREFIX}-EG-${keep.slotIndex}`,
      ]);
      expect(await probe(keep.capsuleIp, 8080)).toBe("open");

      // The adopted network renews and is destroyed like any other.
      await stop(servers.pop());
      const renewed = await next.renew(adopted);
      expect(await probe(renewed.capsuleIp, 8080)).toBe("refused");
      expect((await next.create("cl-life-new", allowAll)).slotIndex).not.toBe(keep.slotIndex);
      await next.destroy(renewed);
    } finally {
      await next.shutdown({ removeGlobal: true });
    }
    // Re-initialize the original manager for afterAll.
    await manager.init();
  });
});
