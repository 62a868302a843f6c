// Capsule lifecycle numbers through the real host agent, against plain `runsc run` as the floor.
// Run as root: node --conditions=wrenn-source --import tsx bench/agent-capsules.ts [--n 30] [--capacity 0]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { newId } from "@wrenn/core";
import { startAgentProcess, SHARED_IMAGE_CACHE } from "@wrenn/testkit";
import { NetworkManager } from "@wrenn/host-agent/network";
import { ImageStore } from "@wrenn/host-agent";
import { report, summarize, timeIt } from "./lib/stats.js";

const { values } = parseArgs({ options: { n: { type: "string", default: "30" }, capacity: { type: "string", default: "0" } } });
// Usage: --n <samples per latency bench> --capacity <max idle capsules to try, 0 = skip>
const N = Number(values.n);
const DATA_DIR = "/var/tmp/wrenn-bench-agent";
const POOL = "10.14.0.0/16";
rmSync(DATA_DIR, { recursive: true, force: true });
const forwarding = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
const agent = await startAgentProcess({ dataDir: DATA_DIR, env: { WRENN_NETWORK_POOL: POOL } });
const client = agent.client;
const spec = { template: "minimal", vcpus: 1, memoryMb: 512, diskMb: 2048 };
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

try {
  // Floor: plain runsc running `node -e 0` from the same rootfs and /opt/wrenn layer.
  // The agent just made sure both are current.
  const store = new ImageStore({ wrennDir: SHARED_IMAGE_CACHE });
  const image = (await store.ensureImage("minimal")).rootfs;
  const opt = (await store.ensureOptLayer()).dir;
  const floorDir = `${DATA_DIR}/floor`;
  mkdirSync(`${floorDir}/bundle`, { recursive: true });
  writeFileSync(
    `${floorDir}/bundle/config.json`,
    JSON.stringify({
      ociVersion: "1.0.2",
      process: { args: ["/opt/wrenn/node/bin/node", "-e", "0"], cwd: "/", env: ["PATH=/usr/bin:/bin"], user: { uid: 0, gid: 0 } },
      root: { path: image, readonly: true },
      mounts: [{ destination: "/proc", type: "proc", source: "proc" }, { destination: "/opt/wrenn", type: "bind", source: opt, options: ["rbind", "ro"] }],
      linux: { namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
    }),
  );
  const floor: number[] = [];
  for (let i = 0; i < N; i++) {
    const id = `floor-${String(i).padStart(4, "0")}`;
    const start = process.hrtime.bigint();
    spawnSync("runsc", [`--root=${floorDir}/state`, "--platform=systrap", "--network=none", "run", "--bundle", `${floorDir}/bundle`, id], { stdio: "ignore" });
    floor.push(ms(start));
    spawnSync("runsc", [`--root=${floorDir}/state`, "delete", "--force", id], { stdio: "ignore" });
  }
  const floorSummary = summarize(floor);
  report({ bench: "runsc_run_node_e0_floor_ms", ...floorSummary });

  // Cold create → envd ready (the RPC returns once envd answered /init).
  const cold: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const capsuleId = newId("capsule");
    const start = process.hrtime.bigint();
    await client.createCapsule({ capsuleId, ...spec });
    cold.push(ms(start));
    ids.push(capsuleId);
    if (ids.length > 5) await client.destroyCapsule({ capsuleId: ids.shift()! });
  }
  const coldSummary = summarize(cold);
  report({ bench: "cold_create_to_envd_ready_ms", ...coldSummary, ratio_p50_to_floor: +(coldSummary.p50 / floorSummary.p50).toFixed(2) });

  // Exec `true` round trip through the agent RPC into a real capsule.
  const execId = ids[0]!;
  report({ bench: "agent_exec_true_rtt_ms", ...(await timeIt(500, () => client.exec({ capsuleId: execId, cmd: "/bin/true" }))) });

  // Snapshot, then create from it.
  await client.createSnapshot({ capsuleId: execId, name: "bench-snap", overwrite: true });
  const warm: number[] = [];
  for (let i = 0; i < N; i++) {
    const capsuleId = newId("capsule");
    const start = process.hrtime.bigint();
    await client.createCapsule({ capsuleId, ...spec, template: "bench-snap" });
    warm.push(ms(start));
    await client.destroyCapsule({ capsuleId });
  }
  const warmSummary = summarize(warm);
  report({ bench: "snapshot_create_to_envd_ready_ms", ...warmSummary, ratio_p50_to_cold: +(warmSummary.p50 / coldSummary.p50).toFixed(2) });

  // Pause and resume: idle, and holding 256 MB of touched memory.
  for (const [label, touchMb] of [["idle", 0], ["touched_256mb", 256]] as const) {
    const capsuleId = newId("capsule");
    await client.createCapsule({ capsuleId, ...spec, memoryMb: 1024 });
    if (touchMb) {
      await client.startBackground({
        capsuleId,
        cmd: "/opt/wrenn/node/bin/node",
        args: ["-e", `const b=Buffer.alloc(${touchMb}<<20); for(let i=0;i<b.length;i+=4096) b[i]=i&255; setInterval(()=>{},1e6)`],
      });
      await new Promise((r) => setTimeout(r, 2000));
    }
    const pause: number[] = [];
    const resume: number[] = [];
    for (let i = 0; i < Math.min(N, 10); i++) {
      let start = process.hrtime.bigint();
      await client.pauseCapsule({ capsuleId });
      pause.push(ms(start));
      await new Promise((r) => setTimeout(r, 2500)); // let the background delete finish
      start = process.hrtime.bigint();
      await client.resumeCapsule({ capsuleId });
      resume.push(ms(start));
    }
    report({ bench: `pause_${label}_ms`, ...summarize(pause) });
    report({ bench: `resume_${label}_ms`, ...summarize(resume) });
    await client.destroyCapsule({ capsuleId });
  }

  // Host memory per idle capsule: PSS of all of its runsc processes.
  const pssOf = (pid: string): number => {
    try {
      return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  const idleIds = ids.slice();
  await new Promise((r) => setTimeout(r, 3000));
  const perCapsule = idleIds.map((id) => {
    let pss = 0;
    let rss = 0;
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1");
        if (!cmd.includes("runsc") || !cmd.includes(id)) continue;
        pss += pssOf(pid);
        rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
      } catch {
        // gone
      }
    }
    return { pss, rss };
  });
  report({
    bench: "host_memory_per_idle_capsule_mb",
    n: perCapsule.length,
    pss_mb: +(perCapsule.reduce((a, b) => a + b.pss, 0) / perCapsule.length / 1048576).toFixed(1),
    rss_mb: +(perCapsule.reduce((a, b) => a + b.rss, 0) / perCapsule.length / 1048576).toFixed(1),
  });
  for (const capsuleId of idleIds) await client.destroyCapsule({ capsuleId });
  await client.deleteSnapshot({ name: "bench-snap" });

  // Capacity: idle 256 MB capsules until create fails (or the cap is reached).
  const cap = Number(values.capacity);
  if (cap > 0) {
    const held: string[] = [];
    let failure = "";
    const start = Date.now();
    while (held.length < cap) {
      const capsuleId = newId("capsule");
      try {
        await client.createCapsule({ capsuleId, ...spec, memoryMb: 256, diskMb: 512 });
        held.push(capsuleId);
      } catch (err) {
        failure = (err as Error).message;
        break;
      }
    }
    const avail = Number(/MemAvailable:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) / 1024;
    report({ bench: "idle_capsule_capacity", held: held.length, reached_cap: !failure, failure, seconds: (Date.now() - start) / 1000, mem_available_mb_at_end: Math.round(avail) });
    for (const capsuleId of held) await client.destroyCapsule({ capsuleId }).catch(() => {});
  }
} catch (err) {
  console.error("bench failed:", err);
  process.exitCode = 1;
} finally {
  // Whatever is left goes through the agent, so mounts, namespaces and rules go too.
  const left = await client.listCapsules({}).catch(() => ({ capsules: [] }));
  for (const c of left.capsules) await client.destroyCapsule({ capsuleId: c.capsuleId }).catch(() => {});
  await client.deleteSnapshot({ name: "bench-snap" }).catch(() => {});
  await agent.stop();
  await new NetworkManager({ pool: POOL }).shutdown();
  writeFileSync("/proc/sys/net/ipv4/ip_forward", forwarding);
  const mounted = readFileSync("/proc/self/mounts", "utf8").includes(DATA_DIR);
  if (mounted) console.error(`not removing ${DATA_DIR}: something is still mounted under it`);
  else rmSync(DATA_DIR, { recursive: true, force: true });
}
