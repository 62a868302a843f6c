import { startEnvd, envdClients } from "@wrenn/testkit";
const envd = await startEnvd();
try {
  const c = envdClients(envd.url, { httpVersion: "2" });
  try { for await (const r of c.process.start({ process: { cmd: "/no/such/program" } })) console.log(r.event?.event.case); } catch (e) { console.log("ERR", String(e), (e as any).code); }
  try { for await (const r of c.process.start({ process: { cmd: "/no/such/program" }, stdin: false })) console.log(r.event?.event.case); } catch (e) { console.log("ERR", String(e), (e as any).code); }
} finally { await envd.stop(); }
