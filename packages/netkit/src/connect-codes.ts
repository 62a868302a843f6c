import { Code } from "@connectrpc/connect";
import type { ErrorCode } from "@wrenn/core";

/** Wrenn's error codes as Connect codes: the one table every Connect boundary uses. */
export const wrennToConnectCode: Record<ErrorCode, Code> = {
  invalid_request: Code.InvalidArgument,
  unauthorized: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  not_found: Code.NotFound,
  conflict: Code.AlreadyExists,
  invalid_state: Code.FailedPrecondition,
  host_has_capsules: Code.FailedPrecondition,
  team_has_capsules: Code.FailedPrecondition,
  too_large: Code.ResourceExhausted,
  rate_limited: Code.ResourceExhausted,
  internal_error: Code.Internal,
  agent_error: Code.Unavailable,
  host_unavailable: Code.Unavailable,
  no_hosts_available: Code.Unavailable,
  timeout: Code.DeadlineExceeded,
};

/** Connect codes back to Wrenn's, for errors that cross from one program into another. */
export const connectToWrennCode: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: "invalid_request",
  [Code.Unauthenticated]: "unauthorized",
  [Code.PermissionDenied]: "forbidden",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "conflict",
  [Code.FailedPrecondition]: "invalid_state",
  [Code.ResourceExhausted]: "too_large",
  [Code.DeadlineExceeded]: "timeout",
  [Code.Unavailable]: "agent_error",
};
