// Capsule network latency: create / renew / setPolicy / destroy, with and without the warm
// pool, plus the PoC recipe (one `ip` process per step) for comparison. One JSON line per
// case. Needs root; uses its own chain prefix, veth prefix and pool, and removes everything
// it made.
//
//   node --conditions=wrenn-source --import tsx bench/network.ts [iterations]
//
// Reference: `runsc run --detach` takes ~153 ms here (docs/runtime-notes.md), so the target
// "create ≤ 0.3 × runsc" means create p95 ≤ ~45 ms.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { NetworkManager } from "../packages/host-agent/src/network/index.js";
import { report, summarize } from "./lib/stats.js";

const exec = promisify(execFile);
const N = Number(process.argv[2] ?? 40);
const RUNSC_RUN_MS = 153;
const allowAll = { egress: "allow_all" as const, allowCidrs: [], allowDomains: [] };
const allowList = { egress: "allow_list" as const, allowCidrs: ["192.0.2.0/24", "198.51.100.7/32"], allowDomains: [] };

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function load(): Promise<number> {
  const { loadavg } = await import("node:os");
  return Math.round(loadavg()[0]! * 100) / 100;
}

async function measure(warmPoolSize: number): Promise<void> {
  const manager = new NetworkManager({ pool: "10.242.0.0/20", chainPrefix: "WRBENCH", vethPrefix: "wb", warmPoolSize });
  try {
    await manager.init();
    const create: number[] = [];
    const renew: number[] = [];
    const setPolicy: number[] = [];
    const destroy: number[] = [];
    for (let i = 0; i < N; i++) {
      // Steady state: capsules arrive slower than the pool refills.
      await manager.whenPoolFull();
      let net = await (async () => {
        let made!: Awaited<ReturnType<NetworkManager["create"]>>;
        create.push(await timed(async () => (made = await manager.create(`cl-bench-${i}`, allowAll))));
        return made;
      })();
      await manager.whenPoolFull();
      renew.push(await timed(async () => (net = await manager.renew(net))));
      setPolicy.push(await timed(() => manager.setPolicy(net, i % 2 ? allowList : allowAll)));
      destroy.push(await timed(() => manager.destroy(net)));
    }
    const common = { bench: "network", warmPoolSize, loadavg1: await load() };
    const c = summarize(create);
    report({ ...common, case: "create", ...c, vsRunsc: Math.round(((RUNSC_RUN_MS + c.p50) / RUNSC_RUN_MS) * 1000) / 1000 });
    report({ ...common, case: "renew", ...summarize(renew) });
    report({ ...common, case: "setPolicy", ...summarize(setPolicy) });
    report({ ...common, case: "destroy", ...summarize(destroy) });

    // A burst: 20 capsules at once (the pool covers the first few).
    await manager.whenPoolFull();
    const each: number[] = [];
    const nets: Awaited<ReturnType<NetworkManager["create"]>>[] = [];
    const wall = await timed(() =>
      Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const start = process.hrtime.bigint();
          nets.push(await manager.create(`cl-burst-${i}`, allowAll));
          each.push(Number(process.hrtime.bigint() - start) / 1e6);
        }),
      ),
    );
    const destroyWall = await timed(() => Promise.all(nets.map((n) => manager.destroy(n))));
    report({ ...common, case: "create-burst-20", wallMs: Math.round(wall * 10) / 10, destroyWallMs: Math.round(destroyWall * 10) / 10, ...summarize(each) });
  } finally {
    await manager.shutdown({ removeGlobal: true });
  }
}

/** docs/runtime-notes.md §4: one `ip` process per step (no firewall work). */
async function pocRecipe(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const ns = `wbpoc-${i}`;
    const [h, c] = [`wbq${i}h`, `wbq${i}c`];
    samples.push(
      await timed(async () => {
        for (const args of [
          ["netns", "add", ns],
          ["link", "add", h, "type", "veth", "peer", "name", c],
          ["link", "set", c, "netns", ns],
          ["-n", ns, "link", "set", c, "name", "eth0"],
          ["-n", ns, "addr", "add", "10.243.0.2/30", "dev", "eth0"],
          ["-n", ns, "link", "set", "lo", "up"],
          ["-n", ns, "link", "set", "eth0", "up"],
          ["-n", ns, "route", "add", "default", "via", "10.243.0.1"],
          ["addr", "add", "10.243.0.1/30", "dev", h],
          ["link", "set", h, "up"],
        ]) {
          await exec("ip", args);
        }
      }),
    );
    await exec("ip", ["link", "del", h]);
    await exec("ip", ["netns", "del", ns]);
  }
  report({ bench: "network", case: "poc-recipe-netns-only", loadavg1: await load(), ...summarize(samples) });
}

await pocRecipe();
await measure(0);
await measure(2);
