// envd process service numbers: Start(`true`) round trips against a bare spawn floor,
// stdout throughput, idle RSS. Run: node --conditions=wrenn-source --import tsx bench/envd-process.ts
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { envdClients, startEnvd } from "@wrenn/testkit";
import { report, timeIt } from "./lib/stats.js";

const ROUND_TRIPS = Number(process.env.BENCH_N ?? 500);
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

const envd = await startEnvd();
try {
  await new Promise((resolve) => setTimeout(resolve, 500));
  report({ bench: "envd.idle_rss", rss_mb: rssMb(envd.child.pid!) });

  const { process: client } = envdClients(envd.url);
  const startTrue = async (): Promise<void> => {
    let ended = false;
    for await (const res of client.start({ process: { cmd: "true" } })) {
      if (res.event?.event.case === "end") ended = true;
    }
    if (!ended) throw new Error("Start(true) finished without an end event");
  };

  const floor = await timeIt(ROUND_TRIPS, bareSpawn);
  const start = await timeIt(ROUND_TRIPS, startTrue);
  report({ bench: "spawn_true.floor", unit: "ms", ...floor });
  report({ bench: "envd.start_true.round_trip", unit: "ms", ...start, p50_over_floor: Math.round((start.p50 - floor.p50) * 1000) / 1000 });

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
    mib_per_s: Math.round(received / (1 << 20) / seconds),
    envd_rss_mb_after: rssMb(envd.child.pid!),
  });
} finally {
  await envd.stop();
}
