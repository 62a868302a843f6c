import { randomBytes } from "node:crypto";
import { writeFileSync, rmSync } from "node:fs";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { startTestAgent } from "../tests/integration/host-agent/support/agent.ts";

const agent = await startTestAgent();
try {
  const id = await agent.newCapsule();
  const path = "/tmp/exp/big.bin";
  const block = randomBytes(1 << 20);
  writeFileSync(path, Buffer.concat(Array.from({ length: 200 }, () => block)));
  const variants: Record<string, any> = {
    default: agent.client,
    bigwin: createClient(HostAgentService, createConnectTransport({ baseUrl: agent.url, httpVersion: "2", sessionManager: new Http2SessionManager(agent.url, {}, { settings: { initialWindowSize: 4 << 20 } }) })),
  };
  for (let r = 0; r < 2; r++) for (const [name, client] of Object.entries(variants)) {
    let t = performance.now(); let n = 0;
    for await (const res of client.readFileStream({ capsuleId: id, path })) n += res.chunk.length;
    const rd = Math.round(200 / ((performance.now() - t) / 1000));
    t = performance.now();
    async function* up() { yield { part: { case: "header", value: { capsuleId: id, path: "/tmp/exp/up.bin" } } }; for (let i = 0; i < 200; i++) yield { part: { case: "chunk", value: block } }; }
    await client.writeFileStream(up());
    console.log(name, "read", rd, "MiB/s; write", Math.round(200 / ((performance.now() - t) / 1000)), "MiB/s");
  }
} finally {
  await agent.close();
  rmSync("/tmp/exp/big.bin", { force: true }); rmSync("/tmp/exp/up.bin", { force: true });
}
process.exit(0);
