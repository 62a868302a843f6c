import type { IncomingMessage } from "node:http";
import { WrennError } from "@wrenn/core";
import type { FastifyRequest } from "fastify";
import { authenticateToken, credentialFromHeaders } from "../auth/context.js";
import type { Deps } from "../deps.js";

/**
 * Host-based port URLs: `{port}-{capsuleId}.{domain}` reaches `port` inside the capsule,
 * whatever the path. Fastify's `rewriteUrl` (see app.ts) sends every request for such a
 * Host to the path-based port route and marks it, so nothing else of the API answers on
 * those hosts; the port route then applies the capsule's own access rule (public by
 * default, or the team's credentials when `public_ports` is off) instead of API auth.
 */

/** A request that arrived on a host-based port URL. */
export interface HostPortRequest {
  capsuleId: string;
  port: string;
  /** The request target as the client sent it (path and query inside the capsule). */
  url: string;
}

const hostPortKey = Symbol("wrenn.hostPort");

type MarkedRequest = IncomingMessage & { [hostPortKey]?: HostPortRequest };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Matches `{port}-{capsuleId}.{domain}` with an optional trailing dot and `:port` suffix. */
export function portHostPattern(domain: string): RegExp {
  const base = domain.toLowerCase().replace(/\.$/, "");
  return new RegExp(`^(\\d{1,5})-(cl-[0-9a-z]{25})\\.${escapeRegExp(base)}\\.?(?::\\d+)?$`);
}

/** The capsule and port named by a Host header, if it is a port URL. */
export function parsePortHost(host: string | undefined, pattern: RegExp): { capsuleId: string; port: string } | undefined {
  const match = host ? pattern.exec(host.toLowerCase()) : null;
  return match ? { port: match[1]!, capsuleId: match[2]! } : undefined;
}

/** The path and query of a request target (origin-form as is; absolute-form reduced; anything else "/"). */
function originForm(url: string): string {
  if (url.startsWith("/")) return url;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return "/";
  }
}

/** Fastify `rewriteUrl`: requests on a port URL go to the port route, marked as host-based. */
export function hostPortRewriter(domain: string): (req: IncomingMessage) => string {
  const pattern = portHostPattern(domain);
  return (req) => {
    const target = parsePortHost(req.headers.host, pattern);
    if (!target) return req.url ?? "/";
    const url = originForm(req.url ?? "/");
    (req as MarkedRequest)[hostPortKey] = { ...target, url };
    // Only the route is chosen here; the path inside the capsule is `url`, passed on as sent.
    return `/v1/capsules/${target.capsuleId}/ports/${target.port}/`;
  };
}

/** The host-based port URL this request came in on; undefined for ordinary (path-based) requests. */
export function hostPortOf(request: FastifyRequest): HostPortRequest | undefined {
  return (request.raw as MarkedRequest)[hostPortKey];
}

/**
 * The access rule of a host-based port URL: any capsule that is not stopped is found by
 * id alone; a public one (the default) needs nothing, a private one the credentials of
 * its team (other teams get `not_found`, as for every capsule route). It must be running.
 * Returns whether the request's Authorization header was a Wrenn credential.
 */
export async function checkHostPortAccess(deps: Deps, request: FastifyRequest, capsuleId: string): Promise<{ usedAuthorization: boolean }> {
  const capsule = await deps.db.selectFrom("capsules").select(["team_id", "status", "public_ports"]).where("id", "=", capsuleId).executeTakeFirst();
  const notFound = new WrennError("not_found", `capsule ${capsuleId} not found`);
  if (!capsule || capsule.status === "stopped") throw notFound;
  let usedAuthorization = false;
  if (!capsule.public_ports) {
    const token = credentialFromHeaders(request.headers);
    if (!token) throw new WrennError("unauthorized", `the ports of capsule ${capsuleId} are private: send X-API-Key: wrn_… or Authorization: Bearer <token> of its team`);
    const auth = await authenticateToken(deps, token);
    if (auth.teamId !== capsule.team_id) throw notFound;
    const apiKey = request.headers["x-api-key"];
    usedAuthorization = typeof apiKey !== "string" || apiKey === "";
  }
  if (capsule.status !== "running") {
    const hint = capsule.status === "paused" ? "; resume it first (POST /v1/capsules/{id}/resume)" : "";
    throw new WrennError("invalid_state", `capsule ${capsuleId} is ${capsule.status}, not running${hint}`);
  }
  return { usedAuthorization };
}
