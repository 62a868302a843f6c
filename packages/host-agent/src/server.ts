import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { createRouterTransport, type ConnectRouter, type ConnectRouterOptions, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { WrennError } from "@wrenn/core";
import { createDualProtocolServer, type DualProtocolServer } from "@wrenn/netkit";
import type { CapsuleService } from "./capsules/types.js";
import { AgentMetrics } from "./metrics/prometheus.js";
import { PROXY_PREFIX, PortProxy } from "./proxy/port-proxy.js";
import { errorInterceptor } from "./rpc/errors.js";
import { serverTimingInterceptor } from "./rpc/server-timing.js";
import { defaultRpcLimits, type RpcLimits, type TemplateBuildService, type WarmPoolService } from "./rpc/handlers.js";
import { registerHostAgentService } from "./rpc/service.js";

/** Certificates for mTLS with the control plane (its own CA). */
export interface AgentTlsOptions {
  certPem: string;
  keyPem: string;
  caCertPem: string;
}

export interface AgentServerOptions {
  capsules: CapsuleService;
  /** Created when not given; pass one to share it with the capsule manager's hooks. */
  metrics?: AgentMetrics;
  limits?: Partial<RpcLimits>;
  /** Recipe builds; without them BuildTemplate answers Unimplemented. */
  builds?: TemplateBuildService;
  /** Warm pools; without them SetWarmPool and ListWarmPools answer Unimplemented. */
  pools?: WarmPoolService;
  /**
   * Serve mTLS: only clients with a certificate from this CA naming the control plane
   * (OU=wrenn-control-plane) get in. Without it: cleartext (a static agent on a trusted link).
   */
  tls?: AgentTlsOptions;
}

export interface AgentServer {
  readonly metrics: AgentMetrics;
  readonly proxy: PortProxy;
  /** Resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Drops the agent's connections to a capsule's ports. `EnvdConnection.close()` does
   * this too, so closing the capsule's envd connection before a checkpoint leaves no TCP
   * connection to the capsule at all.
   */
  disconnectCapsule(capsuleId: string): void;
  /** Renewed certificates, for new connections (no restart). */
  updateTls(tls: AgentTlsOptions): void;
  /**
   * The same RPC service without a socket, for a control plane in this process (`wrenn up`):
   * the same handlers, interceptors and limits, minus HTTP/2 and the loopback.
   */
  localTransport(): Transport;
  close(): Promise<void>;
}

/** The organisational unit the control plane's client certificates carry. */
export const CONTROL_PLANE_OU = "wrenn-control-plane";

function tlsContext(tls: AgentTlsOptions) {
  return { cert: tls.certPem, key: tls.keyPem, ca: [tls.caCertPem] };
}

/** The verified peer is the control plane (not, say, another agent with a certificate from the same CA). */
function isControlPlane(socket: TLSSocket): boolean {
  if (!socket.authorized) return false;
  const ou = socket.getPeerCertificate().subject?.OU;
  return Array.isArray(ou) ? ou.includes(CONTROL_PLANE_OU) : ou === CONTROL_PLANE_OU;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/** Room for protobuf and envelope framing around the largest unary file. */
const FRAMING_BYTES = 1 << 20;

/**
 * The host agent's one port: Connect RPC (hostagent.v1.HostAgentService) over HTTP/2
 * cleartext and HTTP/1.1 (client streams need HTTP/2), `GET /health`, `GET /metrics`
 * (Prometheus) and the port proxy under `/proxy/`.
 */
export function createAgentServer(options: AgentServerOptions): AgentServer {
  const metrics = options.metrics ?? new AgentMetrics();
  const limits = { ...defaultRpcLimits, ...options.limits };
  const proxy = new PortProxy(options.capsules);
  const maxBytes = limits.unaryFileBytes + FRAMING_BYTES;
  const routes = (router: ConnectRouter): void => {
    registerHostAgentService(router, { capsules: options.capsules, limits, builds: options.builds, pools: options.pools });
  };
  const routerOptions: ConnectRouterOptions = {
    // Metrics outside the error mapping, so they count the codes callers see.
    interceptors: [metrics.rpcInterceptor, errorInterceptor, serverTimingInterceptor],
    readMaxBytes: maxBytes,
    writeMaxBytes: maxBytes,
  };
  const connect = connectNodeAdapter({
    routes,
    ...routerOptions,
    // Process output and files cross a fast link; compressing them would only burn CPU.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
  });

  const handler = (req: Request, res: Response): void => {
    const url = req.url ?? "/";
    if (url.startsWith(PROXY_PREFIX)) return proxy.handle(req, res);
    if (req.method === "GET" && url === "/health") return sendJson(res, 200, { status: "ok" });
    if (req.method === "GET" && url === "/metrics") {
      metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
          res.end(body);
        },
        (err: unknown) => sendJson(res, 500, new WrennError("internal_error", `cannot render metrics: ${String(err)}`).toJSON()),
      );
      return;
    }
    connect(req, res);
  };

  const server: DualProtocolServer = createDualProtocolServer(handler, {
    onUpgrade: (req, socket, head) => {
      if ((req.url ?? "").startsWith(PROXY_PREFIX)) proxy.upgrade(req, socket, head);
      else socket.destroy();
    },
    // Bulk uploads (WriteFileStream) stall on 64 KiB windows; give each stream room.
    http2: { settings: { initialWindowSize: 4 << 20 } },
    ...(options.tls ? { tls: { options: { ...tlsContext(options.tls), requestCert: true, rejectUnauthorized: true }, accept: isControlPlane } } : {}),
  });

  return {
    metrics,
    proxy,
    listen(port, host = "0.0.0.0") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    disconnectCapsule: (capsuleId) => proxy.disconnect(capsuleId),
    updateTls: (tls) => server.setSecureContext(tlsContext(tls)),
    localTransport: () => createRouterTransport(routes, { router: routerOptions, transport: { readMaxBytes: maxBytes, writeMaxBytes: maxBytes } }),
    close() {
      proxy.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendJson(res: Response, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
