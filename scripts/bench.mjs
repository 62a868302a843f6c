// Runs the benchmarks in bench/ one after another; each prints JSON lines on stdout.
// `npm run bench` runs all; `npm run bench -- envd-process agent-exec` runs the named ones.
// Arguments from the first one starting with `-` on are passed to each bench run, e.g.
// `npm run bench -- fleet --quick` (see bench/README.md).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const all = readdirSync("bench")
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith("-"));
const wanted = firstFlag < 0 ? args : args.slice(0, firstFlag);
const passed = firstFlag < 0 ? [] : args.slice(firstFlag);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.error(`== bench/${name}.ts`);
  const res = spawnSync(process.execPath, ["--conditions=wrenn-source", "--import", "tsx", `bench/${name}.ts`, ...passed], { stdio: "inherit" });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
