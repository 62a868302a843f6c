/**
 * The SDK's one error hierarchy, and the one place where HTTP statuses, API error codes,
 * WebSocket error messages and transport failures become those errors.
 *
 * ```
 * WrennError
 * ├─ ConfigError              no API key, bad URL (before any request)
 * ├─ ConnectionError          the API could not be reached
 * ├─ InvalidArgumentError     400 invalid_request
 * ├─ AuthenticationError      401 unauthorized
 * ├─ PermissionError          403 forbidden
 * ├─ NotFoundError            404 not_found
 * ├─ ConflictError            409 conflict
 * │  └─ InvalidStateError     409 invalid_state
 * ├─ TooLargeError            413 too_large
 * ├─ RateLimitError           429 rate_limited
 * ├─ TimeoutError             504 timeout, or a client-side deadline
 * ├─ ServerError              5xx internal_error
 * │  └─ CapsuleUnavailableError 502 agent_error, 503 host_unavailable / no_hosts_available
 * └─ CommandExitError         a command ended with a non-zero exit code
 * ```
 */

/** Base class of every error the SDK throws. `code` is the API's machine code (or the SDK's own). */
export class WrennError extends Error {
  override name = "WrennError";
  /** snake_case machine code, e.g. `not_found`, `unauthorized`, `command_exit`. */
  readonly code: string;
  /** HTTP status of the failed call, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { code?: string; status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? "error";
    this.status = options.status;
  }
}

/** A missing or unusable client setting, found before any request was made. */
export class ConfigError extends WrennError {
  override name = "ConfigError";
  constructor(message: string) {
    super(message, { code: "config" });
  }
}

/** The API could not be reached at all (refused, DNS, TLS, reset). */
export class ConnectionError extends WrennError {
  override name = "ConnectionError";
}

/** 400: the request was malformed or a value is out of range; the message names it. */
export class InvalidArgumentError extends WrennError {
  override name = "InvalidArgumentError";
}

/** 401: the API key (or token) is missing, wrong or revoked. */
export class AuthenticationError extends WrennError {
  override name = "AuthenticationError";
}

/** 403: the key is valid but may not do this. */
export class PermissionError extends WrennError {
  override name = "PermissionError";
}

/** 404: the capsule, file, process or template does not exist (or belongs to another team). */
export class NotFoundError extends WrennError {
  override name = "NotFoundError";
}

/** 409: the request conflicts with existing state (e.g. a snapshot name already taken). */
export class ConflictError extends WrennError {
  override name = "ConflictError";
}

/** 409 `invalid_state`: the capsule or process is in the wrong state for this (e.g. paused). */
export class InvalidStateError extends ConflictError {
  override name = "InvalidStateError";
}

/** 413: the body is over the API's limit. */
export class TooLargeError extends WrennError {
  override name = "TooLargeError";
}

/** 429: too many requests; `retryAfterSec` says when to try again, when the API said. */
export class RateLimitError extends WrennError {
  override name = "RateLimitError";
  readonly retryAfterSec: number | undefined;
  constructor(message: string, options: { code?: string; status?: number; cause?: unknown; retryAfterSec?: number } = {}) {
    super(message, options);
    this.retryAfterSec = options.retryAfterSec;
  }
}

/** 504, or a deadline of the SDK itself (`requestTimeoutMs`, a command's `timeoutMs`). */
export class TimeoutError extends WrennError {
  override name = "TimeoutError";
}

/** 5xx: the API failed. */
export class ServerError extends WrennError {
  override name = "ServerError";
}

/** 502/503: the host running the capsule could not be reached or is gone. */
export class CapsuleUnavailableError extends ServerError {
  override name = "CapsuleUnavailableError";
}

/** A command ended with a non-zero exit code. Carries everything it printed. */
export class CommandExitError extends WrennError {
  override name = "CommandExitError";
  constructor(
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
    /** envd's description of how the process ended, e.g. `signal: killed`. */
    readonly processError?: string,
  ) {
    const tail = stderr.trim().split("\n").slice(-3).join("\n");
    super(
      `command exited with code ${exitCode}${processError ? ` (${processError})` : ""}${tail ? `: ${tail}` : ""}. ` +
        "Read error.stdout / error.stderr for the full output",
      { code: "command_exit" },
    );
  }
}

type ErrorClass = new (message: string, options: { code?: string; status?: number; cause?: unknown }) => WrennError;

/** API code → class. Codes the SDK does not know fall back to the HTTP status. */
const byCode: Record<string, ErrorClass> = {
  invalid_request: InvalidArgumentError,
  unauthorized: AuthenticationError,
  forbidden: PermissionError,
  not_found: NotFoundError,
  conflict: ConflictError,
  invalid_state: InvalidStateError,
  too_large: TooLargeError,
  rate_limited: RateLimitError,
  timeout: TimeoutError,
  internal_error: ServerError,
  agent_error: CapsuleUnavailableError,
  host_unavailable: CapsuleUnavailableError,
  no_hosts_available: CapsuleUnavailableError,
};

function classOfStatus(status: number): ErrorClass {
  if (status === 400 || status === 422) return InvalidArgumentError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 413) return TooLargeError;
  if (status === 429) return RateLimitError;
  if (status === 504 || status === 408) return TimeoutError;
  if (status === 502 || status === 503) return CapsuleUnavailableError;
  if (status >= 500) return ServerError;
  return WrennError;
}

/** What to do next, appended to the API's own message. */
function hintFor(cls: ErrorClass, retryAfterSec: number | undefined): string {
  switch (cls) {
    case AuthenticationError:
      return "check the API key: pass { apiKey }, set WRENN_API_KEY, or create a key with `wrenn key create`";
    case PermissionError:
      return "use a key of a team (or a user role) that is allowed to do this";
    case RateLimitError:
      return retryAfterSec ? `retry after ${retryAfterSec} s` : "slow down and retry";
    case TimeoutError:
      return "pass a larger timeoutMs (or requestTimeoutMs), or run long work with { background: true }";
    case TooLargeError:
      return "move large files as streams: files.write(path, stream) / files.uploadStream to upload, files.read(path, { format: \"stream\" }) / files.downloadStream to download";
    case CapsuleUnavailableError:
      return "the capsule's host is unreachable; retry, or check the host with `wrenn` / the dashboard";
    case ServerError:
      return "this is a bug or outage on the server side; retry, and report it if it persists";
    default:
      return "";
  }
}

/** Builds the error for an API code + message, e.g. from `{"error":{code,message}}` or a WebSocket `error` event. */
export function errorFromApi(code: string | undefined, message: string | undefined, status?: number, extra: { retryAfterSec?: number; cause?: unknown } = {}): WrennError {
  const cls = (code !== undefined ? byCode[code] : undefined) ?? (status !== undefined ? classOfStatus(status) : WrennError);
  const base = message?.trim() || (status !== undefined ? `the API answered HTTP ${status}` : "the API reported an error");
  const hint = hintFor(cls, extra.retryAfterSec);
  const text = hint ? `${base}${/[.!?]$/.test(base) ? "" : "."} Next: ${hint}` : base;
  const options = { code: code ?? `http_${status ?? 0}`, ...(status !== undefined ? { status } : {}), ...(extra.cause !== undefined ? { cause: extra.cause } : {}) };
  if (cls === RateLimitError) return new RateLimitError(text, { ...options, ...(extra.retryAfterSec !== undefined ? { retryAfterSec: extra.retryAfterSec } : {}) });
  return new cls(text, options);
}

/** Builds the error for a non-2xx HTTP answer from its status, body text and headers. */
export function errorFromResponse(status: number, bodyText: string, headers?: { get(name: string): string | null }): WrennError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    message = bodyText.trim().slice(0, 300) || undefined;
  }
  const retry = Number(headers?.get("retry-after") ?? NaN);
  return errorFromApi(code, message, status, Number.isFinite(retry) ? { retryAfterSec: retry } : {});
}

/** A failure below HTTP (fetch rejected, socket error) or the SDK's own deadline. */
export function errorFromTransport(err: unknown, what: { url: string; timeoutMs?: number }): WrennError {
  if (err instanceof WrennError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === "TimeoutError" || (e?.name === "AbortError" && what.timeoutMs !== undefined)) {
    return new TimeoutError(
      `no answer from ${what.url} within ${what.timeoutMs ?? "?"} ms. Next: pass a larger requestTimeoutMs (or timeoutMs), or check that the API is up`,
      { code: "timeout", cause: err },
    );
  }
  if (e?.name === "AbortError") return new WrennError(`the request to ${what.url} was aborted`, { code: "aborted", cause: err });
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new ConnectionError(
    `cannot reach the Wrenn API at ${what.url} (${detail}). Next: check apiUrl / WRENN_API_URL and that the server runs (\`wrenn up\`)`,
    { code: "connection_failed", cause: err },
  );
}
