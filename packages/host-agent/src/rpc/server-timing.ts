import type { Interceptor } from "@connectrpc/connect";

/**
 * Every unary answer says how long its handler took (`Server-Timing: handler;dur=…`), so a
 * caller can tell the agent's own work from the transport's share of a call.
 */
export const serverTimingInterceptor: Interceptor = (next) => async (req) => {
  const began = performance.now();
  const res = await next(req);
  if (!res.stream) res.header.set("server-timing", `handler;dur=${(performance.now() - began).toFixed(2)}`);
  return res;
};
