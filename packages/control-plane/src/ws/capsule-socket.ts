import { WrennError } from "@wrenn/core";
import type { Capsule } from "@wrenn/db";
import type { FastifyRequest } from "fastify";
import type WebSocket from "ws";
import { z } from "zod";
import type { AuthContext } from "../auth/context.js";
import type { Deps } from "../deps.js";
import { loadRunningCapsule } from "../services/capsule-access.js";
import { authenticateSocket } from "./auth.js";
import { DEFAULT_PING_INTERVAL_MS, WsChannel } from "./channel.js";

/** What a capsule WebSocket session gets once the caller and the capsule are checked. */
export interface CapsuleSession {
  deps: Deps;
  channel: WsChannel;
  auth: AuthContext;
  capsule: Capsule;
  request: FastifyRequest;
}

/** Runs until the session is over; returning closes the socket normally (1000), throwing closes it with the error. */
export type SessionRunner = (session: CapsuleSession) => Promise<void>;

export type SocketHandler = (socket: WebSocket, request: FastifyRequest) => void;

/** `WRENN_WS_PING_INTERVAL_MS` shortens the keepalive interval (tests). */
function pingIntervalMs(): number {
  const value = Number(process.env.WRENN_WS_PING_INTERVAL_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_PING_INTERVAL_MS;
}

/**
 * The common start of every capsule WebSocket: authenticate (headers or first message),
 * load the team's running capsule (`not_found` for other teams' capsules), then hand
 * over to `run`. Every failure is reported in-band (see ws/errors.ts).
 */
export function capsuleSocket(deps: Deps, run: SessionRunner): SocketHandler {
  const interval = pingIntervalMs();
  return (socket, request) => {
    const channel = new WsChannel(socket, { log: request.log, pingIntervalMs: interval });
    const { id } = request.params as { id: string };
    void (async () => {
      try {
        const auth = await authenticateSocket(deps, request, channel);
        if (!auth) return;
        const capsule = await loadRunningCapsule(deps, auth, id);
        await run({ deps, channel, auth, capsule, request });
        channel.close(1000);
      } catch (err) {
        // A socket that closed under a running call ends that call; that is no error.
        if (!channel.signal.aborted) channel.fail(err);
      }
    })();
  };
}

/** The HTTP handler of a WebSocket route: a plain GET gets told to upgrade. */
export async function upgradeRequired(): Promise<never> {
  throw new WrennError("invalid_request", "this endpoint speaks WebSocket: connect with ws:// or wss:// (Connection: Upgrade, Upgrade: websocket)");
}

/** The documented success of a WebSocket route: the upgrade itself. */
export const WebSocketUpgrade = z.null().meta({
  id: "WebSocketUpgrade",
  description: "101 Switching Protocols: the connection is now a WebSocket carrying the JSON messages described above",
  example: null,
});
