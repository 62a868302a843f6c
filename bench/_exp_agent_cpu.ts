import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";

if (process.argv[2] === "agent") {
  const { startTestAgent } = await import("../tests/integration/host-agent/support/agent.js");
  const agent = await startTestAgent();
  const capsuleId = await agent.newCapsule();
  process.send!({ url: agent.url, capsuleId });
  process.on("message", (m) => {
    if (m === "cpu") { const u = process.cpuUsage(); process.send!({ cpu: (u.user + u.system) / 1000 }); }
    else void agent.close().finally(() => process.exit(0));
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ["agent"], { execArgv: process.execArgv });
  const info = await new Promise<any>((resolve) => child.once("message", resolve));
  const cpu = () => new Promise<number>((resolve) => { child.once("message", (m: any) => resolve(m.cpu)); child.send("cpu"); });
  const session = new Http2SessionManager(info.url);
  const agent = createClient(HostAgentService, createConnectTransport({ baseUrl: info.url, httpVersion: "2", sessionManager: session }));
  const N = 500;
  for (let k = 0; k < 3; k++) {
    for (const [name, fn] of [["exec", () => agent.exec({ capsuleId: info.capsuleId, cmd: "true" })], ["ping", () => agent.pingCapsule({ capsuleId: info.capsuleId })]] as const) {
      const c0 = await cpu();
      for (let i = 0; i < N; i++) await fn();
      const c1 = await cpu();
      console.log(name, "agent CPU ms per call:", ((c1 - c0) / N).toFixed(3));
    }
  }
  session.abort();
  child.send("close");
}
