import { WrennError } from "@wrenn/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { authenticateToken, credentialFromHeaders } from "../auth/context.js";
import type { Deps } from "../deps.js";
import { checkHostPortAccess, hostPortOf } from "../http/host-ports.js";
import type { AgentHandle } from "../agent/client.js";
import { PortForwarder, type PortTarget } from "../http/port-proxy.js";
import { CapsuleParams, errorResponses } from "../http/schemas.js";
import { loadRunningCapsule } from "../services/capsule-access.js";

/** envd's own port inside every capsule; never reachable from outside. */
const ENVD_PORT = 49983;

const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

const PortParams = CapsuleParams.extend({
  port: z
    .string()
    .regex(/^\d{1,5}$/, "must be a port number from 1 to 65535")
    .refine((v) => Number(v) >= 1 && Number(v) <= 65535, "must be a port number from 1 to 65535")
    .meta({ example: "8080" }),
});

const WildcardParams = PortParams.extend({
  "*": z.string().meta({ description: "the path inside the capsule (the query string goes along too)", example: "api/items" }),
});

const PortResponse = z.unknown().meta({
  id: "PortResponse",
  description: "Whatever the service on the port answers: its status, headers and body, streamed.",
  example: "hello",
});

/** `/v1/capsules/{id}/ports/{port}` and what follows it, in the raw request target. */
const pathPrefix = /^\/v1\/capsules\/[^/?]+\/ports\/[^/?]+/;

/** The path inside the capsule for a path-based request, and the public prefix it was under. */
function splitPath(rawUrl: string): { prefix: string; path: string } {
  const prefix = pathPrefix.exec(rawUrl)?.[0];
  if (!prefix) return { prefix: "", path: "/" };
  const rest = rawUrl.slice(prefix.length);
  return { prefix, path: rest === "" ? "/" : rest.startsWith("?") ? `/${rest}` : rest };
}

/**
 * Ports inside capsules, HTTP and WebSocket, through the host agent's port proxy.
 * Path-based `/v1/capsules/{id}/ports/{port}/…` needs the team's credentials; host-based
 * `{port}-{id}.{domain}` URLs are routed here by app.ts's rewriteUrl and follow the
 * capsule's `public_ports` setting (see http/host-ports.ts).
 */
export function portRoutes(app: FastifyInstance, deps: Deps): void {
  // One forwarder (and its kept-alive connections) per agent handle; handles change when certificates rotate.
  const forwarders = new Map<string, { handle: AgentHandle; forwarder: PortForwarder }>();
  const forwarderFor = async (capsuleId: string): Promise<PortForwarder> => {
    const handle = await deps.fleet.capsuleAgent(capsuleId);
    const known = forwarders.get(handle.hostId);
    if (known?.handle === handle) return known.forwarder;
    // An old forwarder is left to its open tunnels; its idle connections time out.
    const forwarder = new PortForwarder(handle.url, handle.tls);
    forwarders.set(handle.hostId, { handle, forwarder });
    return forwarder;
  };

  async function targetOf(request: FastifyRequest, params: z.output<typeof PortParams>): Promise<PortTarget> {
    const { id } = params;
    const port = Number(params.port);
    if (port === ENVD_PORT) throw new WrennError("forbidden", `port ${ENVD_PORT} is the capsule's own agent (envd) and cannot be proxied; use the exec, files and process APIs`);
    const host = hostPortOf(request);
    if (host) {
      const { usedAuthorization } = await checkHostPortAccess(deps, request, id);
      return { capsuleId: id, port, path: host.url, dropAuthorization: usedAuthorization };
    }
    const token = credentialFromHeaders(request.headers);
    if (!token) throw new WrennError("unauthorized", "authentication required: send X-API-Key: wrn_… or Authorization: Bearer <token>");
    await loadRunningCapsule(deps, await authenticateToken(deps, token), id);
    return { capsuleId: id, port, ...splitPath(request.raw.url ?? "/"), dropAuthorization: true };
  }

  void app.register(async (scope) => {
    // Bodies belong to the service in the capsule: leave them unread and stream them on.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    scope.addHook("preClose", async () => {
      for (const { forwarder } of forwarders.values()) forwarder.close();
    });

    const r = scope.withTypeProvider<ZodTypeProvider>();
    for (const url of ["/capsules/:id/ports/:port", "/capsules/:id/ports/:port/*"]) {
      r.route({
        method: METHODS,
        url,
        schema: {
          tags: ["ports"],
          summary: url.endsWith("*") ? "Reach a port inside a capsule (HTTP or WebSocket)" : "Reach a port inside a capsule, at its root path",
          description:
            "Proxies any method, and WebSocket upgrades, to the port inside the capsule; the rest of the path and the query go along, " +
            "bodies stream both ways. Needs the team's credentials (not passed on to the service). Port 49983 (envd) is refused. " +
            "The same service is reachable at {port}-{id}.{domain}, public unless the capsule's public_ports is off.",
          params: url.endsWith("*") ? WildcardParams : PortParams,
          response: { 200: PortResponse, ...errorResponses(403, 404, 409, 502) },
        },
        // WebSocket upgrades are tunnelled here, before @fastify/websocket's route wrapper would accept them itself.
        preHandler: async (request, reply) => {
          if (request.ws) {
            const target = await targetOf(request, request.params);
            (await forwarderFor(target.capsuleId)).tunnel(request, reply, target);
          }
        },
        handler: async (request, reply) => {
          const target = await targetOf(request, request.params);
          return (await forwarderFor(target.capsuleId)).forward(request, reply, target);
        },
      });
    }
  });
}
