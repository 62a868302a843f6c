import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { WrennError, type ErrorCode } from "@wrenn/core";

export interface EnvdHttpRequest {
  method: "GET" | "POST";
  /** Path and query, e.g. `/files?path=%2Ftmp%2Fa`. */
  path: string;
  /** Acts as this user (empty = the capsule's default user). */
  user?: string;
  headers?: Record<string, string>;
  /** Sent as it is produced, with backpressure; never buffered whole. */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
}

export interface EnvdHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body; read it to the end or `destroy()` it. */
  body: ClientHttp2Stream;
}

/** One plain HTTP request on the capsule's HTTP/2 connection to envd. */
export async function envdHttpRequest(session: Http2SessionManager, req: EnvdHttpRequest): Promise<EnvdHttpResponse> {
  req.signal?.throwIfAborted();
  const stream = await session.request(req.method, req.path, { ...req.headers }, { endStream: req.body === undefined });
  const onAbort = (): void => stream.close(constants.NGHTTP2_CANCEL);
  req.signal?.addEventListener("abort", onAbort, { once: true });
  stream.once("close", () => req.signal?.removeEventListener("abort", onAbort));

  return new Promise<EnvdHttpResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      stream.close(constants.NGHTTP2_CANCEL);
      reject(req.signal?.aborted ? req.signal.reason : err);
    };
    stream.once("response", (headers) => {
      if (settled) return;
      settled = true;
      resolve({ status: Number(headers[":status"]), headers, body: stream });
    });
    // Kept for the stream's life: an error event with no listener would take the agent down.
    stream.on("error", fail);
    stream.once("close", () => fail(new WrennError("agent_error", "envd closed the request before answering")));
    if (req.body !== undefined) void sendBody(stream, req.body).catch(fail);
  });
}

async function sendBody(stream: ClientHttp2Stream, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const chunks = body instanceof Uint8Array ? [body] : body;
  for await (const chunk of chunks) {
    if (stream.destroyed) return;
    if (!stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off("drain", done);
          stream.off("close", done);
          resolve();
        };
        stream.on("drain", done);
        stream.on("close", done);
      });
    }
  }
  if (!stream.destroyed) stream.end();
}

/** Reads a response body whole; past `limit` bytes it stops and throws what `tooLarge` makes. */
export async function readAll(body: ClientHttp2Stream, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
  } finally {
    if (!body.readableEnded) body.close(constants.NGHTTP2_CANCEL);
  }
  return Buffer.concat(chunks);
}

const statusCodes: Record<number, ErrorCode> = {
  400: "invalid_request",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "too_large",
  429: "rate_limited",
  504: "timeout",
  507: "too_large",
};

/** Throws envd's error (`{"code","message"}` with an HTTP status) as a WrennError unless 2xx. */
export async function ensureOk(res: EnvdHttpResponse, what: string): Promise<void> {
  if (res.status >= 200 && res.status < 300) return;
  let message = "";
  try {
    const text = (await readAll(res.body, 64 << 10, () => new Error("error body too large"))).toString("utf8");
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {}
  // envd refusing the agent's own token is the agent's fault, never the caller's.
  if (res.status === 401) throw new WrennError("internal_error", `envd rejected the agent's access token on ${what}: ${message}`);
  throw new WrennError(statusCodes[res.status] ?? "internal_error", message || `envd answered HTTP ${res.status} to ${what}`);
}
