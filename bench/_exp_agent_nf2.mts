import { startTestAgent } from "../tests/integration/host-agent/support/agent.ts";
const agent = await startTestAgent();
try {
  const id = await agent.newCapsule();
  try { await agent.client.exec({ capsuleId: id, cmd: "/no/such/program" }); } catch (e) { console.log("ERR", String(e), (e as any).code, (e as any).cause); }
} finally { await agent.close(); }
