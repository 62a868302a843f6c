/**
 * One error type for all of Wrenn, with a closed set of machine codes. Each boundary
 * (HTTP, Connect RPC, runtime CLI calls, database) translates to and from it in one
 * place. `message` is for the client; `cause` keeps the internal detail.
 */
export const errorCodes = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  agent_error: 502,
  host_unavailable: 503,
  no_hosts_available: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class WrennError extends Error {
  override readonly name = "WrennError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }

  static is(err: unknown, code?: ErrorCode): err is WrennError {
    return err instanceof WrennError && (code === undefined || err.code === code);
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}
