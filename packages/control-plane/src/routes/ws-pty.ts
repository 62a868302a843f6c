import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Deps } from "../deps.js";
import { CapsuleParams, errorResponses } from "../http/schemas.js";
import { WebSocketUpgrade, capsuleSocket, upgradeRequired } from "../ws/capsule-socket.js";
import { ptySession } from "../ws/pty-session.js";

/** Interactive terminals over WebSocket (protocol in ws/pty-session.ts). */
export function ptyRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.route({
    method: "GET",
    url: "/capsules/:id/pty",
    schema: {
      tags: ["processes"],
      summary: "Open or reattach an interactive terminal (WebSocket)",
      description:
        'First message: {"type":"start","cmd":"/bin/bash","args","cols","rows","envs","cwd","user","tag"} or {"type":"connect","tag"}; ' +
        'then {"type":"input","data":<base64>}, {"type":"resize","cols","rows"}, {"type":"kill"}. ' +
        'Server: {"type":"started","tag","pid"}, {"type":"output","data":<base64>}, {"type":"exit","exit_code"}, {"type":"error","code","message"}, {"type":"ping"}. ' +
        "A terminal outlives the socket: reconnect with its tag; kill ends it. " +
        'Authenticate with X-API-Key / Authorization: Bearer on the upgrade or a first {"type":"auth","token"} message (then start/connect is the second). ' +
        "Errors close with code 4000 + HTTP status (4401, 4404, …) or 1011.",
      params: CapsuleParams,
      response: { 101: WebSocketUpgrade, ...errorResponses(404, 409) },
    },
    handler: upgradeRequired,
    wsHandler: capsuleSocket(deps, ptySession),
  });
}
