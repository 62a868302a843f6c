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
  host_has_capsules: 409,
  team_has_capsules: 409,
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

  /** Machine-readable particulars for the client (e.g. the capsules that block a delete). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }

  static is(err: unknown, code?: ErrorCode): err is WrennError {
    return err instanceof WrennError && (code === undefined || err.code === code);
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}
