import { Code, ConnectError } from "@connectrpc/connect";
import { WrennError, errorCodes, type ErrorCode } from "@wrenn/core";
import { connectToWrennCode } from "@wrenn/netkit";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** A host agent's ConnectError as the public error it means. */
export function fromAgentError(err: ConnectError): WrennError {
  if (err.code === Code.Unavailable) {
    return new WrennError("agent_error", `the host agent could not complete the call: ${err.rawMessage}`, { cause: err });
  }
  const code = connectToWrennCode[err.code] ?? "agent_error";
  return new WrennError(code, err.rawMessage, { cause: err });
}

/** Any thrown value as a WrennError: the one translation table of the HTTP boundary. */
export function toWrennError(err: unknown): WrennError {
  if (err instanceof WrennError) return err;
  if (err instanceof ConnectError) return fromAgentError(err);
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const path = (first?.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
    const where = `${err.validationContext ?? "request"}${path ? `.${path}` : ""}`;
    return new WrennError("invalid_request", `invalid ${where}: ${first?.message ?? "validation failed"}`, { cause: err });
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
    case "FST_FILES_LIMIT":
      return new WrennError("too_large", fe.message ?? "the request body is too large", { cause: err });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new WrennError("invalid_request", `unsupported content type: ${fe.message}`, { cause: err });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new WrennError("invalid_request", "the JSON body is empty", { cause: err });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new WrennError("invalid_request", "the body is not valid JSON", { cause: err });
  }
  if (fe.validation) return new WrennError("invalid_request", fe.message ?? "invalid request", { cause: err });
  if (err instanceof SyntaxError || fe.statusCode === 400) {
    return new WrennError("invalid_request", `malformed request: ${(err as Error).message}`, { cause: err });
  }
  if (fe.statusCode === 413) return new WrennError("too_large", fe.message ?? "too large", { cause: err });
  if (fe.statusCode === 429) return new WrennError("rate_limited", fe.message ?? "too many requests", { cause: err });
  if (fe.statusCode === 415) return new WrennError("invalid_request", fe.message ?? "unsupported content type", { cause: err });
  return new WrennError("internal_error", "internal error", { cause: err });
}

export function errorBody(err: WrennError): ErrorBody {
  return err.toJSON();
}

/** Installs the uniform error shape for thrown errors and unknown routes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const wrenn = toWrennError(err);
    if (wrenn.code === "internal_error") request.log.error({ err }, "unhandled error");
    else if (wrenn.httpStatus >= 500) request.log.warn({ err: wrenn.cause ?? wrenn, code: wrenn.code }, wrenn.message);
    if (wrenn.code === "rate_limited") void reply.header("retry-after", String(Math.ceil(((err as { ttl?: number }).ttl ?? 60_000) / 1000)));
    return reply.code(errorCodes[wrenn.code]).type("application/json").send(errorBody(wrenn));
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send(errorBody(new WrennError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)));
  });
}
