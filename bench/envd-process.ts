// envd process service numbers:
//   - Start(`true`) → end round trips over the Connect client (HTTP/1.1, loopback), against
//     a bare child_process.spawn('true') → exit in this process as the floor. Samples of
//     the two alternate so that load from elsewhere on the machine hits both alike.
//     Targets: p50 ≤ 3 ms and within 2 ms of the floor.
//   - stdout throughput of `head -c 1G /dev/zero` through Start. Target: ≥ 300 MB/s.
//   - envd's idle RSS after startup (envd runs from source through tsx here, which costs
//     memory of its own; bench/envd-idle.ts measures the bundle).
//
//   node --conditions=wrenn-source --import tsx bench/envd-process.ts
//   BENCH_N=200 BENCH_BYTES=268435456 ... for a quicker run.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { envdClients, startEnvd } from "@wrenn/testkit";
import { report, summarize } from "./lib/stats.js";

const ROUND_TRIPS = Number(process.env.BENCH_N ?? 500);
const WARMUP = 50;
const THROUGHPUT_BYTES = Number(process.env.BENCH_BYTES ?? 1 << 30);

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : NaN;
}

function bareSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("true");
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const envd = await startEnvd();
try {
  await new Promise((resolve) => setTimeout(resolve, 500));
  report({ bench: "envd.idle_rss", unit: "MB", rss_mb: rssMb(envd.child.pid!) });

  const { process: client } = envdClients(envd.url);
  const startTrue = async (): Promise<void> => {
    let ended = false;
    for await (const res of client.start({ process: { cmd: "true" } })) {
      if (res.event?.event.case === "end") ended = true;
    }
    if (!ended) throw new Error("Start(true) finished without an end event");
  };

  for (let i = 0; i < WARMUP; i++) {
    await bareSpawn();
    await startTrue();
  }
  const floorSamples: number[] = [];
  const startSamples: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    floorSamples.push(await timed(bareSpawn));
    startSamples.push(await timed(startTrue));
  }
  const floor = summarize(floorSamples);
  const start = summarize(startSamples);
  report({ bench: "spawn_true.floor", unit: "ms", ...floor });
  report({
    bench: "envd.start_true.round_trip",
    unit: "ms",
    ...start,
    p50_over_floor: Math.round((start.p50 - floor.p50) * 1000) / 1000,
    target_p50_ms: 3,
    target_over_floor_ms: 2,
  });

  let received = 0;
  const began = process.hrtime.bigint();
  for await (const res of client.start({ process: { cmd: "head", args: ["-c", String(THROUGHPUT_BYTES), "/dev/zero"] } })) {
    const event = res.event?.event;
    if (event?.case === "data" && event.value.output.case === "stdout") received += event.value.output.value.length;
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (received !== THROUGHPUT_BYTES) throw new Error(`received ${received} of ${THROUGHPUT_BYTES} bytes`);
  report({
    bench: "envd.start_stdout.throughput",
    bytes: received,
    seconds: Math.round(seconds * 1000) / 1000,
    mb_per_s: Math.round(received / 1e6 / seconds),
    target_mb_per_s: 300,
    envd_rss_mb_after: rssMb(envd.child.pid!),
  });
} finally {
  await envd.stop();
}
