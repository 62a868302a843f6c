import { envdClients, startEnvd } from "@wrenn/testkit";
import { readFileSync } from "node:fs";
const envd = await startEnvd();
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
const { process: client } = envdClients(envd.url, { httpVersion: (process.env.H as "2") ?? "1.1" });
const N = 512 << 20;
for (let k = 0; k < 2; k++) {
  const c0 = cpu(envd.child.pid!), u0 = process.cpuUsage(); const t0 = performance.now();
  let got = 0, msgs = 0;
  for await (const r of client.start({ process: { cmd: "head", args: ["-c", String(N), "/dev/zero"] } })) { const e = r.event?.event; if (e?.case === "data") { got += e.value.output.value!.length; msgs++; } }
  const secs = (performance.now() - t0) / 1000; const u = process.cpuUsage(u0);
  console.log("MB/s", Math.round(got / 1e6 / secs), "msgs", msgs, "avg KB", Math.round(got / msgs / 1024), "envd cpu s", (cpu(envd.child.pid!) - c0).toFixed(2), "client cpu s", ((u.user + u.system) / 1e6).toFixed(2), "wall", secs.toFixed(2));
}
await envd.stop();
