import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { envdClients } from "@wrenn/testkit";
const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/prof", "--conditions=wrenn-source", "--import", "tsx", "packages/envd/src/main.ts", "--dev", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
const port = await new Promise<number>((r) => createInterface({ input: child.stderr! }).on("line", (l) => { if (l.includes("listening")) r(JSON.parse(l).port); }));
const { process: client } = envdClients(`http://127.0.0.1:${port}`);
let got = 0;
for await (const r of client.start({ process: { cmd: "head", args: ["-c", String(256 << 20), "/dev/zero"] } })) { const e = r.event?.event; if (e?.case === "data") got += e.value.output.value!.length; }
console.log(got);
child.kill("SIGINT");
await new Promise((r) => child.once("exit", r));
