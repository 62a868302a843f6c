// First-run experience, measured (issue 5):
//  1. `wrenn up` start → first successful `commands.run` through the SDK, on a warm machine
//     (image already built), over BENCH_STARTS runs (default 3)
//  2. SDK `Capsule.create()` → `commands.run("echo")` done, p50/p95 over BENCH_N (default 50,
//     issue 8 §4), with `wrenn up`'s default warm pool (one ready `minimal`), cold (no pool),
//     and from a snapshot template
// Run: npm run build && npm run bench -- wrenn-up
import { readFileSync } from "node:fs";
import { Capsule } from "wrenn";
import { removeWrennUpData, startWrennUp } from "../tests/e2e/support/wrenn-up.js";
import { report, summarize } from "./lib/stats.js";

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const N = Number(process.env.BENCH_N ?? 50);
const DATA_DIR = "/var/tmp/wrenn-bench-up";
const POOL = "10.46.0.0/16";
const PORT = 19935;

async function createAndEcho(options: { apiUrl: string; apiKey: string; template?: string }): Promise<number> {
  const start = process.hrtime.bigint();
  const capsule = await Capsule.create(options);
  const result = await capsule.commands.run("echo hi");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.stdout !== "hi\n") throw new Error(`unexpected output ${JSON.stringify(result.stdout)}`);
  await capsule.kill();
  return ms;
}

async function main(): Promise<void> {
  const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  try {
    // 1. start → first command (the first start also creates the account; not timed)
    const warmup = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: PORT + 1, pool: POOL });
    await warmup.stop();
    const startups: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const t0 = process.hrtime.bigint();
      const up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: PORT + 1, pool: POOL });
      const capsule = await Capsule.create({ apiUrl: up.url, apiKey: up.apiKey });
      await capsule.commands.run("true");
      startups.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await capsule.kill();
      await up.stop();
    }
    report({ name: "wrenn_up.start_to_first_command_ms", ...summarize(startups) });

    // 2. create → echo, with the default warm pool and without one
    for (const [label, pools] of [
      ["warm_pool_default", undefined],
      ["no_pool", ""],
    ] as const) {
      const up = await startWrennUp({ dataDir: DATA_DIR, port: PORT, agentPort: PORT + 1, pool: POOL, ...(pools === undefined ? {} : { env: { WRENN_WARM_POOLS: pools } }) });
      try {
        // Let the pool fill once, as it would between a user's requests.
        await new Promise((r) => setTimeout(r, 3000));
        const samples: number[] = [];
        for (let i = 0; i < N; i++) {
          samples.push(await createAndEcho({ apiUrl: up.url, apiKey: up.apiKey }));
          if (pools === undefined) await new Promise((r) => setTimeout(r, 1500)); // refill between creates
        }
        report({ name: `sdk.create_to_echo_ms.${label}`, ...summarize(samples) });
        if (pools === "") {
          // From a snapshot template (restored, not booted), on the same instance.
          const source = await Capsule.create({ apiUrl: up.url, apiKey: up.apiKey });
          await source.commands.run("echo ready > /tmp/ready");
          await source.createSnapshot("bench-snap", { overwrite: true });
          await source.kill();
          const restored: number[] = [];
          for (let i = 0; i < N; i++) restored.push(await createAndEcho({ apiUrl: up.url, apiKey: up.apiKey, template: "bench-snap" }));
          report({ name: "sdk.create_to_echo_ms.from_snapshot", ...summarize(restored) });
        }
      } finally {
        await up.stop();
      }
    }
  } finally {
    const left = await removeWrennUpData(DATA_DIR, POOL, forwarding);
    console.error(`leftovers: ${JSON.stringify(left)}`);
  }
}

await main();
