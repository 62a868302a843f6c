// What an idle capsule costs the host: CPU (all of its sandbox's processes, as a share of one
// core) and memory (PSS/RSS), for K capsules that run nothing, through the real host agent.
// The agent samples each capsule's metrics every second meanwhile, as it always does.
// The floor, measured over the same window: a plain `runsc run` of `sleep infinity` from the
// same image (no envd, no network, nobody asking it anything).
// Run as root: node --conditions=wrenn-source --import tsx bench/capsule-idle.ts [--k 5] [--seconds 20]
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { newId } from "@wrenn/core";
import { ImageStore } from "@wrenn/host-agent";
import { SHARED_IMAGE_CACHE, startAgentProcess } from "@wrenn/testkit";
import { NetworkManager } from "@wrenn/host-agent/network";
import { report } from "./lib/stats.js";

const { values } = parseArgs({ options: { k: { type: "string", default: "5" }, seconds: { type: "string", default: "20" } } });
const K = Number(values.k);
const SECONDS = Number(values.seconds);
const DATA_DIR = "/var/tmp/wrenn-bench-idle";
const POOL = "10.15.0.0/16";
const TICKS_PER_SEC = 100; // USER_HZ on Linux

rmSync(DATA_DIR, { recursive: true, force: true });
const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
const agent = await startAgentProcess({ dataDir: DATA_DIR, env: { WRENN_NETWORK_POOL: POOL, WRENN_CHAIN_PREFIX: "WRIDLE", WRENN_VETH_PREFIX: "wi" } });
const client = agent.client;

/** The pids of a capsule's sandbox (runsc processes naming its runtime id). */
function pidsOf(runtimeId: string): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1");
      return cmd.includes("runsc") && cmd.includes(runtimeId);
    } catch {
      return false;
    }
  });
}

/** utime + stime of the processes, in clock ticks (threads included). */
function cpuTicks(pids: string[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

function memoryOf(pids: string[]): { pss: number; rss: number } {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      pss += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0) * 1024;
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return { pss, rss };
}

const ids: string[] = [];
const floorDir = `${DATA_DIR}/floor`;
const FLOOR_ID = "wrenn-idle-floor";
try {
  const image = (await new ImageStore({ wrennDir: SHARED_IMAGE_CACHE }).ensureImage("minimal")).rootfs;
  mkdirSync(`${floorDir}/bundle`, { recursive: true });
  writeFileSync(
    `${floorDir}/bundle/config.json`,
    JSON.stringify({
      ociVersion: "1.0.2",
      process: { args: ["/bin/sleep", "infinity"], cwd: "/", env: ["PATH=/usr/bin:/bin"], user: { uid: 0, gid: 0 } },
      root: { path: image, readonly: true },
      mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
      linux: { namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
    }),
  );
  // The sandbox keeps the stdio it is given: a file, never a pipe spawnSync would wait on.
  const console_ = openSync(`${floorDir}/console.log`, "a");
  const floorRun = spawnSync("runsc", [`--root=${floorDir}/state`, "--platform=systrap", "--network=none", "run", "--detach", "--bundle", `${floorDir}/bundle`, FLOOR_ID], { stdio: ["ignore", console_, console_] });
  closeSync(console_);
  if (floorRun.status !== 0) throw new Error(`runsc run of the floor failed: ${readFileSync(`${floorDir}/console.log`, "utf8")}`);
  for (let i = 0; i < K; i++) {
    const capsuleId = newId("capsule");
    await client.createCapsule({ capsuleId, template: "minimal", vcpus: 1, memoryMb: 512, diskMb: 2048 });
    ids.push(capsuleId);
  }
  // The runtime id is in each capsule's state file (a warm-pool spare keeps its own).
  const runtimeIds = ids.map((id) => {
    const dir = readdirSync(`${DATA_DIR}/capsules`).find((d) => readFileSync(`${DATA_DIR}/capsules/${d}/state.json`, "utf8").includes(id));
    if (!dir) throw new Error(`no state for ${id}`);
    return dir;
  });
  await new Promise((r) => setTimeout(r, 5000));
  const pids = runtimeIds.map(pidsOf);
  const floorPids = pidsOf(FLOOR_ID);
  const before = pids.map(cpuTicks);
  const floorBefore = cpuTicks(floorPids);
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const pct = pids.map((p, i) => ((cpuTicks(p) - before[i]!) / TICKS_PER_SEC / elapsed) * 100);
  const floorPct = ((cpuTicks(floorPids) - floorBefore) / TICKS_PER_SEC / elapsed) * 100;
  const mem = pids.map(memoryOf);
  const floorMem = memoryOf(floorPids);
  report({
    bench: "idle_capsule_cost",
    k: K,
    seconds: +elapsed.toFixed(1),
    cpu_pct_of_core_mean: +(pct.reduce((a, b) => a + b, 0) / K).toFixed(2),
    cpu_pct_of_core_each: pct.map((p) => +p.toFixed(2)),
    pss_mb_mean: +(mem.reduce((a, b) => a + b.pss, 0) / K / 1048576).toFixed(1),
    rss_mb_mean: +(mem.reduce((a, b) => a + b.rss, 0) / K / 1048576).toFixed(1),
  });
  report({ bench: "idle_runsc_sleep_floor", seconds: +elapsed.toFixed(1), cpu_pct_of_core: +floorPct.toFixed(2), pss_mb: +(floorMem.pss / 1048576).toFixed(1), rss_mb: +(floorMem.rss / 1048576).toFixed(1) });
} catch (err) {
  console.error("bench failed:", err);
  process.exitCode = 1;
} finally {
  for (const capsuleId of ids) await client.destroyCapsule({ capsuleId }).catch(() => {});
  spawnSync("runsc", [`--root=${floorDir}/state`, "delete", "--force", FLOOR_ID]);
  await agent.stop();
  await new NetworkManager({ pool: POOL, chainPrefix: "WRIDLE", vethPrefix: "wi" }).shutdown();
  writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
  if (readFileSync("/proc/self/mounts", "utf8").includes(DATA_DIR)) console.error(`not removing ${DATA_DIR}: something is still mounted under it`);
  else rmSync(DATA_DIR, { recursive: true, force: true });
}
