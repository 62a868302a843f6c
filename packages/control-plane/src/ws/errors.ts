import type { WrennError } from "@wrenn/core";

/**
 * How a WebSocket ends after an error. Browsers cannot read the HTTP status of a
 * refused upgrade, so errors are reported in-band: an `error` message, then a close
 * code that mirrors the HTTP status — 4000 + status for client errors (4400 bad input,
 * 4401 unauthenticated, 4403 forbidden, 4404 not found, 4409 wrong state, 4413 too
 * large) and 1011 for failures on our side (internal, agent, host unavailable).
 */
export function closeCodeOf(err: WrennError): number {
  return err.httpStatus < 500 ? 4000 + err.httpStatus : 1011;
}

/** The `error` message a socket sends before it closes (or, for a bad later message, instead of closing). */
export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
}

export function errorFrame(err: WrennError): ErrorFrame {
  return { type: "error", code: err.code, message: err.message };
}
