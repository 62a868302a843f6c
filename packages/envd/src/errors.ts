import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { ConnectError } from "@connectrpc/connect";
import { WrennError, type ErrorCode } from "@wrenn/core";
import { connectToWrennCode, wrennToConnectCode } from "@wrenn/netkit";

/** Node's errno codes that mean something to a client, as Wrenn codes. */
const errnoCodes: Record<string, ErrorCode> = {
  ENOENT: "not_found",
  ENOTDIR: "invalid_request",
  EISDIR: "invalid_request",
  EEXIST: "conflict",
  ENOTEMPTY: "conflict",
  EACCES: "forbidden",
  EPERM: "forbidden",
  ENOSPC: "too_large",
  EDQUOT: "too_large",
  EFBIG: "too_large",
  ENAMETOOLONG: "invalid_request",
  EINVAL: "invalid_request",
  ELOOP: "invalid_request",
  EXDEV: "invalid_request",
};

const errnoMessages: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a path component is not a directory",
  EISDIR: "path is a directory, expected a file",
  EEXIST: "path already exists",
  ENOTEMPTY: "directory is not empty",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the capsule's disk",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EXDEV: "cannot move across filesystems",
};

/** The one place envd turns any thrown value into a WrennError. */
export function toWrennError(err: unknown): WrennError {
  if (err instanceof WrennError) return err;
  if (err instanceof ConnectError) return new WrennError(connectToWrennCode[err.code] ?? "internal_error", err.rawMessage, { cause: err });
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno && errno in errnoCodes) {
    const path = (err as NodeJS.ErrnoException).path;
    const what = errnoMessages[errno] ?? errno;
    return new WrennError(errnoCodes[errno]!, path ? `${what}: ${path}` : what, { cause: err });
  }
  return new WrennError("internal_error", err instanceof Error ? err.message : String(err), { cause: err });
}



/** The one place envd turns any thrown value into a ConnectError for RPC clients. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const wrenn = toWrennError(err);
  return new ConnectError(wrenn.message, wrennToConnectCode[wrenn.code], undefined, undefined, err);
}

/** Wraps an RPC implementation so every error leaves as a proper Connect code. */
export async function rpc<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toConnectError(err);
  }
}

/** Plain HTTP error body, `{"code": <http status>, "message": "..."}` as E2B's envd sends it. */
export function sendHttpError(res: ServerResponse | Http2ServerResponse, err: unknown): void {
  const wrenn = toWrennError(err);
  const status = wrenn.httpStatus;
  if (res.headersSent) {
    res.destroy(wrenn);
    return;
  }
  const body = JSON.stringify({ code: status, message: wrenn.message });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
