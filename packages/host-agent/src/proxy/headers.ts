import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
]);

/** Hop-by-hop headers: the fixed set plus any the Connection header names. */
function hopByHop(headers: IncomingHttpHeaders): Set<string> {
  const names = new Set(HOP_BY_HOP);
  const connection = headers.connection;
  for (const value of Array.isArray(connection) ? connection : connection ? [connection] : []) {
    for (const name of value.split(",")) names.add(name.trim().toLowerCase());
  }
  return names;
}

/** End-to-end headers only; HTTP/2 pseudo-headers (`:path`, ...) are dropped too. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const drop = hopByHop(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(":") || drop.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ClientFacts {
  /** The client's address as this hop sees it. */
  remoteAddress: string | undefined;
  /** Host the client asked for (Host, or :authority over HTTP/2). */
  host: string | undefined;
}

/**
 * Request headers for the capsule: end-to-end ones, the original Host (apps that check
 * it see what the client used), and X-Forwarded-For/-Host/-Proto. The control plane in
 * front already set -Host and -Proto for the public URL; they are kept when present.
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, client: ClientFacts): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  if (client.host) out.host = client.host;
  const prior = headers["x-forwarded-for"];
  const chain = [Array.isArray(prior) ? prior.join(", ") : prior, client.remoteAddress].filter(Boolean).join(", ");
  if (chain) out["x-forwarded-for"] = chain;
  if (!out["x-forwarded-host"] && client.host) out["x-forwarded-host"] = client.host;
  if (!out["x-forwarded-proto"]) out["x-forwarded-proto"] = "http";
  return out;
}

/** Request head bytes for a raw (upgraded) connection: the upgrade headers stay. */
export function rawRequestHead(method: string, path: string, headers: OutgoingHttpHeaders, upgrade: string): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(v).replace(/[\r\n]/g, "")}`);
  }
  lines.push("connection: Upgrade", `upgrade: ${upgrade.replace(/[\r\n]/g, "")}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}
