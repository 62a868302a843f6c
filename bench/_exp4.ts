import { spawn } from "node:child_process";
import { envdClients } from "@wrenn/testkit";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { timeIt } from "./lib/stats.js";
const child = spawn(process.execPath, ["/tmp/envd-build/envd.mjs", "--dev", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"], cwd: "/work/main/packages/envd" });
const port = await new Promise<number>((r) => createInterface({ input: child.stderr! }).on("line", (l) => { if (l.includes("listening")) r(JSON.parse(l).port); }));
const { process: client } = envdClients(`http://127.0.0.1:${port}`);
console.log("rss", readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmRSS.*/)?.[0]);
for (let k = 0; k < 2; k++) {
const floor = await timeIt(300, () => new Promise((r) => spawn("true").once("exit", r)));
const list = await timeIt(300, () => client.list({}));
const s = await timeIt(300, async () => { for await (const _ of client.start({ process: { cmd: "true" } })) {} });
console.log("floor", floor.p50, "list", list.p50, "start", s.p50, s.p95, "bench rss", process.memoryUsage().rss / 1e6);
}
console.log("rss", readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmRSS.*/)?.[0]);
child.kill();
