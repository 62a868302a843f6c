import { Agent, STATUS_CODES, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import { Agent as TlsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { WrennError } from "@wrenn/core";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Where a proxied request goes: a port inside a capsule, through the host agent. */
export interface PortTarget {
  capsuleId: string;
  port: number;
  /** Path and query inside the capsule, starting with "/". */
  path: string;
  /** The public path prefix the service is reached under (path-based routing), for X-Forwarded-Prefix. */
  prefix?: string;
  /** The request's Authorization header carried the caller's Wrenn credential: do not pass it on. */
  dropAuthorization: boolean;
}

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "http2-settings"]);

/** End-to-end headers only: the fixed hop-by-hop set and any the Connection header names are dropped. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  const connection = headers.connection;
  for (const name of (Array.isArray(connection) ? connection.join(",") : (connection ?? "")).split(",")) drop.add(name.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !name.startsWith(":") && !drop.has(name)) out[name] = value;
  }
  return out;
}

/**
 * HTTP and WebSocket to ports inside capsules, through the host agent's port proxy
 * (`{agent}/proxy/{capsuleId}/{port}/{path}`). Bodies stream both ways, never buffered;
 * upgrades (WebSocket) become a raw byte pipe once the agent has answered 101, so
 * subprotocols, extensions and frames pass untouched. The caller's Wrenn credentials are
 * removed; the service sees the Host the client used and X-Forwarded-For/-Host/-Proto.
 */
export class PortForwarder {
  private readonly host: string;
  private readonly port: number;
  /** Keeps connections to the agent alive between requests. */
  private readonly keepAlive: Agent;
  private readonly tunnels = new Set<Duplex>();
  private readonly tls: { ca: string; cert: string; key: string } | undefined;

  /**
   * `agentUrl` is the agent's base URL (its port serves the proxy next to the RPC): plain
   * HTTP for a static agent, HTTPS with the control plane's client certificate (`tls`) for
   * a registered one.
   */
  constructor(agentUrl: string, tls?: { caCertPem: string; certPem: string; keyPem: string }) {
    const url = new URL(agentUrl);
    this.host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.tls = url.protocol === "https:" && tls ? { ca: tls.caCertPem, cert: tls.certPem, key: tls.keyPem } : undefined;
    this.port = Number(url.port || (this.tls ? 443 : 80));
    this.keepAlive = this.tls ? new TlsAgent({ keepAlive: true, maxFreeSockets: 16, ...this.tls }) : new Agent({ keepAlive: true, maxFreeSockets: 16 });
  }

  private request(options: RequestOptions) {
    return this.tls ? httpsRequest({ ...options, ...(options.agent === false ? this.tls : {}) }) : httpRequest(options);
  }

  async forward(request: FastifyRequest, reply: FastifyReply, target: PortTarget): Promise<FastifyReply> {
    const upstream = this.request({
      host: this.host,
      port: this.port,
      method: request.method,
      path: proxyPath(target),
      headers: upstreamHeaders(request, target),
      agent: this.keepAlive,
    });
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      upstream.once("response", resolve);
      // `on`, not `once`: a second error without a listener would take the process down.
      upstream.on("error", reject);
    });
    pipeline(request.raw, upstream).catch(() => upstream.destroy());
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) upstream.destroy();
    });
    let response: IncomingMessage;
    try {
      response = await answered;
    } catch (err) {
      throw unreachable(err);
    }
    void reply.code(response.statusCode ?? 502).headers(endToEnd(response.headers));
    if (request.method === "HEAD" || response.statusCode === 204 || response.statusCode === 304) {
      response.resume();
      return reply.send();
    }
    return reply.send(response);
  }

  /** Takes over the upgrade request's socket (`reply` is hijacked) and tunnels it to the capsule. */
  tunnel(request: FastifyRequest, reply: FastifyReply, target: PortTarget): void {
    const socket = request.raw.socket;
    const head = upgradeHead(request.raw);
    void reply.hijack();
    const upstream = this.request({
      host: this.host,
      port: this.port,
      method: request.method,
      path: proxyPath(target),
      headers: { ...upstreamHeaders(request, target), connection: "Upgrade", upgrade: request.headers.upgrade ?? "websocket" },
      // A tunnel owns its connection for its whole life.
      agent: false,
    });
    upstream.once("upgrade", (response, upSocket, upHead) => this.splice(socket, head, response, upSocket, upHead));
    upstream.once("response", (response) => passRefusal(socket, response));
    upstream.on("error", (err) => writeRawError(socket, unreachable(err)));
    socket.once("close", () => upstream.destroy());
    upstream.end();
  }

  /** Drops every tunnel and kept-alive connection (server shutdown). */
  close(): void {
    for (const tunnel of this.tunnels) tunnel.destroy();
    this.keepAlive.destroy();
  }

  private splice(client: Socket, head: Buffer, response: IncomingMessage, upstream: Socket, upHead: Buffer): void {
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    client.write(responseHead(response.statusCode ?? 101, response.statusMessage, response.rawHeaders));
    if (upHead.length > 0) client.write(upHead);
    if (head.length > 0) upstream.write(head);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.tunnels.add(client);
    const close = (): void => {
      this.tunnels.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const end of [client, upstream]) {
      end.on("error", close);
      end.once("close", close);
    }
    upstream.pipe(client);
    client.pipe(upstream);
  }
}

function proxyPath(target: PortTarget): string {
  return `/proxy/${target.capsuleId}/${target.port}${target.path}`;
}

function upstreamHeaders(request: FastifyRequest, target: PortTarget): OutgoingHttpHeaders {
  const out = endToEnd(request.headers);
  delete out["x-api-key"];
  if (target.dropAuthorization) delete out.authorization;
  const host = request.headers.host;
  if (host) {
    out.host = host;
    out["x-forwarded-host"] ??= host;
  }
  out["x-forwarded-proto"] ??= (request.raw.socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http";
  const prior = request.headers["x-forwarded-for"];
  const chain = [Array.isArray(prior) ? prior.join(", ") : prior, request.raw.socket.remoteAddress].filter(Boolean).join(", ");
  if (chain) out["x-forwarded-for"] = chain;
  if (target.prefix) out["x-forwarded-prefix"] = target.prefix;
  return out;
}

/**
 * Bytes the client sent past the upgrade request, which @fastify/websocket keeps on the
 * request under a private symbol (usually none: clients wait for the 101).
 */
function upgradeHead(raw: IncomingMessage): Buffer {
  for (const symbol of Object.getOwnPropertySymbols(raw)) {
    if (symbol.description !== "ws-head") continue;
    const value = (raw as unknown as Record<symbol, unknown>)[symbol];
    if (Buffer.isBuffer(value)) return value;
  }
  return Buffer.alloc(0);
}

function unreachable(err: unknown): WrennError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new WrennError("agent_error", `cannot reach the host agent's port proxy (${code}); try again shortly`, { cause: err });
}

function responseHead(status: number, message: string | undefined, rawHeaders: string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ""}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]!.replace(/[\r\n]/g, "")}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** The capsule (or the agent) refused the upgrade: pass its answer on and close. */
function passRefusal(client: Socket, response: IncomingMessage): void {
  const headers = endToEnd(response.headers);
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) raw.push(name, String(v));
  }
  raw.push("connection", "close");
  client.write(responseHead(response.statusCode ?? 502, response.statusMessage, raw));
  response.pipe(client);
}

function writeRawError(client: Socket, err: WrennError): void {
  if (client.destroyed) return;
  const body = JSON.stringify(err.toJSON());
  const head = responseHead(err.httpStatus, undefined, ["content-type", "application/json", "content-length", String(Buffer.byteLength(body)), "connection", "close"]);
  client.end(head + body);
}
