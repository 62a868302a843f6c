import { envdClients, startEnvd } from "@wrenn/testkit";
import { timeIt } from "./lib/stats.js";
const envd = await startEnvd();
const { process: client } = envdClients(envd.url);
const s = await timeIt(300, async () => { for await (const _ of client.start({ process: { cmd: "true" } })) {} }, 0);
console.log("start", s.p50);
await envd.stop();
console.log(envd.logs.filter(l => l.includes("TIMING")).join("\n"));
