/**
 * Per-route limits for the unauthenticated account endpoints (password guessing, mail
 * bombing, signup spam). Counted after body validation (`preHandler`) so the key can
 * include the address; each route has its own counters. Exceeding a limit answers 429
 * `rate_limited` in the uniform error shape.
 */
import type { RateLimitOptions } from "@fastify/rate-limit";
import { WrennError } from "@wrenn/core";
import type { FastifyRequest } from "fastify";

function emailOf(request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | undefined;
  return typeof body?.email === "string" ? body.email.toLowerCase() : "";
}

function limit(max: number, what: string, key: (request: FastifyRequest) => string): { rateLimit: RateLimitOptions } {
  return {
    rateLimit: {
      max,
      timeWindow: 60_000,
      hook: "preHandler",
      keyGenerator: key,
      // The `ttl` lets the error handler send an accurate Retry-After.
      errorResponseBuilder: (_request, context) =>
        Object.assign(new WrennError("rate_limited", `too many ${what} from this address; retry in ${context.after}`), { ttl: context.ttl }),
    },
  };
}

const byIp = (request: FastifyRequest): string => request.ip;
const byIpAndEmail = (request: FastifyRequest): string => `${request.ip}|${emailOf(request)}`;

/** Route `config` objects, per minute. */
export const accountRateLimits = {
  signup: limit(20, "signups", byIp),
  activate: limit(20, "activation attempts", byIp),
  login: limit(10, "login attempts for this account", byIpAndEmail),
  resetRequest: limit(5, "password reset requests for this account", byIpAndEmail),
  resetConfirm: limit(10, "password reset attempts", byIp),
};
