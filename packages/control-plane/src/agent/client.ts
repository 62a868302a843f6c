import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";

export type AgentClient = Client<typeof HostAgentService>;

/** The control plane's handle on one host agent: its RPC client and its base URL (for the port proxy). */
export interface AgentHandle {
  hostId: string;
  url: string;
  client: AgentClient;
}

/** HTTP/2 (h2c) so client-streaming uploads work; the agent's port sniffs the protocol. */
export function connectAgent(hostId: string, url: string): AgentHandle {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "2", pingIntervalMs: 15_000 });
  return { hostId, url, client: createClient(HostAgentService, transport) };
}
