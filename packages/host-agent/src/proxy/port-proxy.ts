import { Agent, STATUS_CODES, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { WrennError, isId } from "@wrenn/core";
import type { CapsuleService } from "../capsules/types.js";
import type { EnvdConnection } from "../envd/connection.js";
import { endToEnd, rawRequestHead, upstreamRequestHeaders } from "./headers.js";

/** Path prefix the proxy answers on: `/proxy/{capsuleId}/{port}/…`. */
export const PROXY_PREFIX = "/proxy/";

interface Target {
  capsuleId: string;
  port: number;
  /** Path and query inside the capsule, starting with "/". */
  path: string;
  host: string;
  links: CapsuleLinks;
}

/** The proxy's connections to one capsule, tied to the agent's envd connection to it. */
interface CapsuleLinks {
  envd: EnvdConnection;
  /** Keeps connections to the capsule's ports alive between requests. */
  agent: Agent;
  /** Upgraded (WebSocket) connections. */
  tunnels: Set<Socket>;
}

/**
 * HTTP and WebSocket to a port inside a capsule: `/proxy/{capsuleId}/{port}/rest` on
 * the agent goes to `http://<capsule address>:<port>/rest`, streamed both ways. Upgrades
 * (WebSocket) become a raw pipe once the agent has passed the request on.
 *
 * Connections to a capsule are kept alive per capsule and dropped together with the
 * agent's envd connection to it: a gVisor checkpoint is refused while any is open, and
 * the manager closes the envd connection (`EnvdConnection.close()`) before pausing.
 */
export class PortProxy {
  private readonly links = new Map<string, CapsuleLinks>();

  constructor(private readonly capsules: CapsuleService) {}

  handle(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    let target: Target;
    try {
      target = this.resolve(req.url ?? "/");
    } catch (err) {
      sendError(res, err);
      return;
    }
    const headers = upstreamRequestHeaders(req.headers, { remoteAddress: req.socket?.remoteAddress, host: clientHost(req) });
    const upstream = request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: target.path,
      headers,
      agent: target.links.agent,
    });
    upstream.once("response", (up) => {
      res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
      up.on("error", () => res.destroy());
      // pipe() rather than pipeline(): an HTTP/2 response is not a stream.Writable.
      up.pipe(res as NodeJS.WritableStream);
    });
    // `on`, not `once`: a second error event without a listener would take the agent down.
    upstream.on("error", (err) => {
      if (res.headersSent) res.destroy();
      else sendError(res, upstreamError(err, target));
    });
    // A client that goes away takes its upstream request with it.
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    pipeline(req, upstream).catch(() => upstream.destroy());
  }

  /** An HTTP/1.1 Upgrade (WebSocket): pass the request on, then pipe raw bytes both ways. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let target: Target;
    try {
      target = this.resolve(req.url ?? "/");
    } catch (err) {
      writeRawError(socket, err);
      return;
    }
    const headers = upstreamRequestHeaders(req.headers, { remoteAddress: req.socket.remoteAddress, host: clientHost(req) });
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    const tunnels = target.links.tunnels;
    tunnels.add(upstream);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      upstream.write(rawRequestHead(req.method ?? "GET", target.path, headers, req.headers.upgrade ?? "websocket"));
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on("error", (err) => {
      if (connected) socket.destroy();
      else writeRawError(socket, upstreamError(err, target));
    });
    upstream.once("close", () => {
      tunnels.delete(upstream);
      socket.destroy();
    });
    socket.on("error", () => upstream.destroy());
    socket.once("close", () => upstream.destroy());
  }

  /** Drops every connection to the capsule's ports (kept-alive and upgraded). */
  disconnect(capsuleId: string): void {
    const links = this.links.get(capsuleId);
    if (!links) return;
    this.links.delete(capsuleId);
    links.agent.destroy();
    for (const socket of links.tunnels) socket.destroy();
  }

  close(): void {
    for (const id of [...this.links.keys()]) this.disconnect(id);
  }

  /** This capsule's links, made anew for each envd connection (i.e. after every resume). */
  private linksFor(capsuleId: string, envd: EnvdConnection): CapsuleLinks {
    const current = this.links.get(capsuleId);
    if (current?.envd === envd) return current;
    if (current) this.disconnect(capsuleId);
    const links: CapsuleLinks = { envd, agent: new Agent({ keepAlive: true, maxFreeSockets: 8 }), tunnels: new Set() };
    this.links.set(capsuleId, links);
    envd.onClose(() => {
      if (this.links.get(capsuleId) === links) this.disconnect(capsuleId);
    });
    return links;
  }

  /** Parses the path and checks the capsule; marks it active. */
  private resolve(url: string): Target {
    const match = /^\/proxy\/([^/?]*)\/([^/?]*)(.*)$/.exec(url);
    if (!match) throw new WrennError("invalid_request", "proxy paths look like /proxy/{capsule_id}/{port}/{path}");
    const [, capsuleId = "", portText = "", rest = ""] = match;
    if (!isId("capsule", capsuleId)) throw new WrennError("invalid_request", `"${capsuleId.slice(0, 64)}" is not a capsule id`);
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new WrennError("invalid_request", `port must be a number from 1 to 65535 (got "${portText.slice(0, 16)}")`);
    const record = this.capsules.get(capsuleId);
    if (record.status !== "running") {
      throw new WrennError("invalid_state", `capsule ${capsuleId} is ${record.status}: resume it before reaching its ports`);
    }
    // Marks the capsule active (resets its idle timer), like any other use of it.
    const links = this.linksFor(capsuleId, this.capsules.envd(capsuleId));
    const path = rest === "" ? "/" : rest.startsWith("?") ? `/${rest}` : rest;
    return { capsuleId, port, path, host: record.address, links };
  }
}

function clientHost(req: IncomingMessage | Http2ServerRequest): string | undefined {
  const authority = req.headers[":authority"];
  return (typeof authority === "string" ? authority : undefined) ?? req.headers.host;
}

function upstreamError(err: NodeJS.ErrnoException, target: Target): WrennError {
  if (err.code === "ECONNREFUSED") {
    return new WrennError("agent_error", `nothing is listening on port ${target.port} in capsule ${target.capsuleId}`, { cause: err });
  }
  return new WrennError("agent_error", `cannot reach port ${target.port} in capsule ${target.capsuleId}: ${err.code ?? err.message}`, {
    cause: err,
  });
}

function asWrennError(err: unknown): WrennError {
  return err instanceof WrennError ? err : new WrennError("internal_error", err instanceof Error ? err.message : String(err), { cause: err });
}

function sendError(res: ServerResponse | Http2ServerResponse, err: unknown): void {
  const wrenn = asWrennError(err);
  const body = JSON.stringify(wrenn.toJSON());
  res.writeHead(wrenn.httpStatus, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function writeRawError(socket: Duplex, err: unknown): void {
  const wrenn = asWrennError(err);
  const body = JSON.stringify(wrenn.toJSON());
  socket.end(
    `HTTP/1.1 ${wrenn.httpStatus} ${STATUS_CODES[wrenn.httpStatus] ?? ""}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
