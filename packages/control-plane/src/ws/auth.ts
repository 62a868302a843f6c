import { WrennError } from "@wrenn/core";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { authenticateToken, credentialFromHeaders, type AuthContext } from "../auth/context.js";
import type { Deps } from "../deps.js";
import type { WsChannel } from "./channel.js";

/** How long a socket without auth headers has to send its `auth` message. */
export const AUTH_MESSAGE_TIMEOUT_MS = 5_000;

const AuthMessage = z.object({ type: z.literal("auth"), token: z.string().min(1).max(4096) });

const authRequired = (): WrennError =>
  new WrennError(
    "unauthorized",
    'authentication required: send X-API-Key or Authorization: Bearer with the upgrade, or {"type":"auth","token":"…"} as the first message within 5 s',
  );

/**
 * Who is on the socket: the credential in the upgrade request's headers, or (browsers
 * cannot set headers on a WebSocket) a first message `{"type":"auth","token"}` carrying
 * an API key or a JWT. Undefined when the socket closed first; throws `unauthorized`.
 */
export async function authenticateSocket(deps: Deps, request: FastifyRequest, channel: WsChannel): Promise<AuthContext | undefined> {
  const header = credentialFromHeaders(request.headers);
  if (header) return authenticateToken(deps, header);
  let message: z.output<typeof AuthMessage> | undefined;
  try {
    message = await channel.receive(AuthMessage, { expects: '"auth"', timeoutMs: AUTH_MESSAGE_TIMEOUT_MS, onTimeout: authRequired });
  } catch (err) {
    if (WrennError.is(err, "invalid_request")) throw authRequired();
    throw err;
  }
  return message && authenticateToken(deps, message.token);
}
