import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../deps.js";
import { CapsuleParams, errorResponses } from "../http/schemas.js";
import { WebSocketUpgrade, capsuleSocket, upgradeRequired } from "../ws/capsule-socket.js";
import { execStreamSession, reattachSession } from "../ws/process-relay.js";
import { watchSession } from "../ws/watch-session.js";

const socketAuth =
  'Authenticate with X-API-Key / Authorization: Bearer on the upgrade request or, from a browser, send {"type":"auth","token":"…"} as the first message within 5 s. ' +
  'Errors arrive as {"type":"error","code","message"} followed by a close with code 4000 + HTTP status (4401, 4404, 4409, …) or 1011 for server-side failures. ' +
  'The server sends {"type":"ping"} every 20 s; client messages are JSON text frames of at most 1 MiB.';

const ProcessParams = CapsuleParams.extend({
  process: z
    .string()
    .min(1)
    .max(256)
    .refine((v) => !v.includes("\0"), "must not contain NUL bytes")
    .meta({ description: "a pid (all digits) or a tag", example: "web-server" }),
});

const WatchQuery = z.object({
  path: z.string().min(1).max(4096).meta({ description: "directory to watch (absolute, or relative to the user's home)", example: "/home/user" }),
  recursive: z
    .enum(["true", "false"])
    .default("false")
    .meta({ description: "watch subdirectories too" }),
});

/** Streaming exec, process reattach and directory watches over WebSocket (see ws/*.ts for the protocols). */
export function streamRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.route({
    method: "GET",
    url: "/capsules/:id/exec/stream",
    schema: {
      tags: ["processes"],
      summary: "Run a command and stream its output (WebSocket)",
      description:
        'Client: {"type":"start","cmd","args","envs","cwd","user","tag","timeout_sec"}, then {"type":"stdin","data","encoding":"utf-8|base64","close"} and {"type":"stop","signal":"SIGTERM|SIGKILL"}. ' +
        'Server: {"type":"start","pid"}, {"type":"stdout"|"stderr","data"} (with "encoding":"base64" when the bytes are not UTF-8), {"type":"exit","exit_code"}. ' +
        "Closing the socket detaches; the process keeps running and can be reattached by pid or tag. " +
        socketAuth,
      params: CapsuleParams,
      response: { 101: WebSocketUpgrade, ...errorResponses(404, 409) },
    },
    handler: upgradeRequired,
    wsHandler: capsuleSocket(deps, execStreamSession),
  });

  r.route({
    method: "GET",
    url: "/capsules/:id/processes/:process/stream",
    schema: {
      tags: ["processes"],
      summary: "Attach to a running process by pid or tag (WebSocket)",
      description:
        "Streams the process's output from now on (nothing is replayed) and ends with its exit: the same server messages as exec/stream, " +
        'and the same {"type":"stdin"} / {"type":"stop"} client messages. ' +
        socketAuth,
      params: ProcessParams,
      response: { 101: WebSocketUpgrade, ...errorResponses(404, 409) },
    },
    handler: upgradeRequired,
    wsHandler: (socket, request) => capsuleSocket(deps, reattachSession(request.params.process))(socket, request),
  });

  r.route({
    method: "GET",
    url: "/capsules/:id/files/watch",
    schema: {
      tags: ["files"],
      summary: "Watch a directory for changes (WebSocket)",
      description:
        'Server: {"type":"watching","path","recursive"} once the watch is in place, then {"type":"event","event":{"type":"create|write|remove|rename|chmod","name"}}. ' +
        'The client may send {"type":"stop"}. ' +
        socketAuth,
      params: CapsuleParams,
      querystring: WatchQuery,
      response: { 101: WebSocketUpgrade, ...errorResponses(404, 409) },
    },
    handler: upgradeRequired,
    wsHandler: (socket, request) => capsuleSocket(deps, watchSession(request.query.path, request.query.recursive === "true"))(socket, request),
  });
}
