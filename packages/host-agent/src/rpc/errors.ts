import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { WrennError } from "@wrenn/core";
import { wrennToConnectCode } from "@wrenn/netkit";

/** Node errno codes that mean "envd (or the capsule) cannot be reached". */
const unreachable = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EPIPE", "ERR_HTTP2_STREAM_CANCEL", "ERR_HTTP2_GOAWAY_SESSION"]);

/**
 * The one place the agent's RPC boundary turns any thrown value into a ConnectError:
 * WrennErrors by their code, envd's ConnectErrors with their own code (they already
 * name the path or process at fault), network failures as Unavailable.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    // envd refusing the agent's token is the agent's fault; the caller's credentials are fine.
    if (err.code === Code.Unauthenticated) {
      return new ConnectError(`envd rejected the agent's access token: ${err.rawMessage}`, Code.Internal, undefined, undefined, err);
    }
    // Rebuilt without `metadata`: those are envd's response headers (content-length and
    // all), which would otherwise be sent as the agent's own.
    return new ConnectError(err.rawMessage, err.code, undefined, undefined, err);
  }
  if (err instanceof WrennError) return new ConnectError(err.message, wrennToConnectCode[err.code], undefined, undefined, err);
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno && unreachable.has(errno)) {
    return new ConnectError(`cannot reach the capsule's envd (${errno}): it may be stopping or paused; retry, or check the capsule's status`, Code.Unavailable, undefined, undefined, err);
  }
  if (err instanceof Error && err.name === "AbortError") return new ConnectError("the call was canceled", Code.Canceled, undefined, undefined, err);
  return new ConnectError(err instanceof Error ? err.message : String(err), Code.Internal, undefined, undefined, err);
}

/** Maps every error a handler throws, for unary and streaming methods alike. */
export const errorInterceptor: Interceptor = (next) => async (req) => {
  let res;
  try {
    res = await next(req);
  } catch (err) {
    throw toConnectError(err);
  }
  if (!res.stream) return res;
  const messages = res.message;
  return {
    ...res,
    message: (async function* () {
      try {
        yield* messages;
      } catch (err) {
        throw toConnectError(err);
      }
    })(),
  };
};
