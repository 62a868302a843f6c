import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";

export type AgentClient = Client<typeof HostAgentService>;

/** The control plane's client certificate and the CA both sides trust (mTLS to registered agents). */
export interface AgentTls {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/** The control plane's handle on one host agent: its RPC client and its base URL (for the port proxy). */
export interface AgentHandle {
  hostId: string;
  url: string;
  client: AgentClient;
  /** Set for registered agents, reached over mTLS. */
  tls?: AgentTls;
}

/**
 * HTTP/2 so client-streaming uploads work: cleartext (h2c) to a static agent on a trusted
 * link, TLS with the control plane's client certificate to a registered one (`https://`).
 * With `local` (the agent runs in this process, as in `wrenn up`), unary calls go straight
 * to its handlers; streams keep HTTP/2 and its flow control.
 */
export function connectAgent(hostId: string, url: string, tls?: AgentTls, local?: Transport): AgentHandle {
  const secure = url.startsWith("https://");
  if (secure && !tls) throw new Error(`agent ${hostId} at ${url} needs the control plane's client certificate`);
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "2",
    pingIntervalMs: 15_000,
    // Handles are replaced when certificates rotate; idle sessions of old ones must go.
    idleConnectionTimeoutMs: 60_000,
    ...(secure && tls ? { nodeOptions: { ca: tls.caCertPem, cert: tls.certPem, key: tls.keyPem } } : {}),
  });
  const chosen: Transport = local ? { unary: local.unary.bind(local), stream: transport.stream.bind(transport) } : transport;
  return { hostId, url, client: createClient(HostAgentService, chosen), ...(secure && tls ? { tls } : {}) };
}

/** The agent's own handling of a unary call (`Server-Timing: handler;dur=…`), when it said. */
export function agentHandlerMs(header: Headers): number | undefined {
  const dur = /(?:^|,)\s*handler;dur=([\d.]+)/.exec(header.get("server-timing") ?? "");
  return dur ? Number(dur[1]) : undefined;
}
