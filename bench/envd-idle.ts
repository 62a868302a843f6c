// Idle memory of envd: resident set size after 3 s of doing nothing. envd runs in every
// capsule, so each megabyte here is a megabyte of every capsule. Target: ≤ 50 MB.
//
//   npm run build -w @wrenn/envd        # produces packages/envd/dist/envd.mjs
//   node --conditions=wrenn-source --import tsx bench/envd-idle.ts
//
// Measures the bundle (what capsules run) when it exists, and the source run through tsx
// for comparison (tsx itself costs memory, so that number is only an upper bound).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { report, summarize } from "./lib/stats.js";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const bundle = `${repoRoot}packages/envd/dist/envd.mjs`;
const TARGET_MB = 50;
const IDLE_MS = 3000;
const RUNS = 3;

interface Variant {
  name: string;
  args: string[];
}

/** VmRSS and VmHWM of a process, in MB. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, hwm: kib("VmHWM") / 1024 };
}

async function measureOnce(variant: Variant): Promise<{ rss: number; hwm: number }> {
  const child = spawn(process.execPath, [...variant.args, "--dev", "--port", "0"], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`envd (${variant.name}) exited with ${code} before listening`)));
      createInterface({ input: child.stderr! }).on("line", (line) => {
        if (line.includes('"envd listening"')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return await memoryOf(child.pid!);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
}

const variants: Variant[] = [];
if (existsSync(bundle)) {
  variants.push({ name: "bundle", args: [bundle] });
  // Without the optimising compiler its code pages stay untouched: the floor for envd today.
  variants.push({ name: "bundle+lite-mode", args: ["--lite-mode", "--max-semi-space-size=1", bundle] });
} else process.stderr.write(`no ${bundle}; run "npm run build -w @wrenn/envd" to measure the bundle\n`);
variants.push({
  name: "source+tsx",
  args: ["--conditions=wrenn-source", "--import", "tsx", `${repoRoot}packages/envd/src/main.ts`],
});

for (const variant of variants) {
  const runs: { rss: number; hwm: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measureOnce(variant));
  const rss = summarize(runs.map((r) => r.rss));
  const hwm = summarize(runs.map((r) => r.hwm));
  report({
    bench: "envd-idle-rss",
    variant: variant.name,
    unit: "MB",
    idle_ms: IDLE_MS,
    node: process.version,
    rss_mb: rss.p50,
    rss_max_mb: rss.max,
    peak_rss_mb: hwm.max,
    target_mb: TARGET_MB,
    // Only the plain bundle is what capsules run; the other variants are for comparison.
    pass: variant.name === "bundle" ? rss.max <= TARGET_MB : undefined,
  });
}
