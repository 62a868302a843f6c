import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { newId } from "@wrenn/core";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll } from "vitest";
import { AgentMetrics } from "../../../../packages/host-agent/src/metrics/prometheus.js";
import type { SamplerOptions } from "../../../../packages/host-agent/src/metrics/sampler.js";
import { createAgentServer, type AgentServer } from "../../../../packages/host-agent/src/server.js";
import { DevCapsules } from "./dev-capsules.js";

export type AgentClient = Client<typeof HostAgentService>;

export interface TestAgent {
  capsules: DevCapsules;
  server: AgentServer;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Connect client over HTTP/2, as the control plane talks to the agent. */
  client: AgentClient;
  /** Creates a dev capsule through the RPC and returns its id. */
  newCapsule(): Promise<string>;
  close(): Promise<void>;
}

/** A real agent server on loopback over dev capsules (real envd processes). */
export async function startTestAgent(options: { sampler?: SamplerOptions & { start?: boolean } } = {}): Promise<TestAgent> {
  const capsules = new DevCapsules(options.sampler);
  const metrics = new AgentMetrics({ capsuleStatuses: () => capsules.countByStatus() });
  const server = createAgentServer({ capsules, metrics });
  const port = await server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const session = new Http2SessionManager(url);
  const client = createClient(HostAgentService, createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager: session }));
  if (options.sampler?.start) capsules.sampler.start();
  return {
    capsules,
    server,
    url,
    client,
    async newCapsule() {
      const id = newId("capsule");
      await client.createCapsule({ capsuleId: id, template: "minimal", vcpus: 1, memoryMb: 512 });
      return id;
    },
    async close() {
      session.abort();
      await server.close();
      await capsules.close();
    },
  };
}

/**
 * For a describe block: a test agent with one dev capsule, started before its tests and
 * closed after them. Read `agent` and `id` inside the tests.
 */
export function useAgentWithCapsule(): { readonly agent: TestAgent; readonly id: string } {
  const state = {} as { agent: TestAgent; id: string };
  beforeAll(async () => {
    state.agent = await startTestAgent();
    state.id = await state.agent.newCapsule();
  });
  afterAll(async () => {
    await state.agent?.close();
  });
  return state;
}
