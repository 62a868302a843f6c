import { WrennError } from "@wrenn/core";
import type { FastifyBaseLogger } from "fastify";
import WebSocket, { type RawData } from "ws";
import type { z } from "zod";
import { toWrennError } from "../http/errors.js";
import { closeCodeOf, errorFrame } from "./errors.js";

/** Largest client message; bigger input goes in several messages. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Proxies drop sockets that are quiet for about a minute; this keeps them talking. */
export const DEFAULT_PING_INTERVAL_MS = 20_000;

/** Above this many unsent bytes, senders wait until the client has taken some. */
const SEND_HIGH_WATER_BYTES = 1024 * 1024;

/** Unread client messages before the socket stops reading (TCP backpressure on a flooding client). */
const INBOX_PAUSE_AT = 256;

export interface ChannelOptions {
  log: FastifyBaseLogger;
  pingIntervalMs: number;
}

export interface ReceiveOptions {
  /** What the socket takes at this point, for the error message, e.g. `"start"`. */
  expects: string;
  timeoutMs?: number;
  /** The error when nothing arrives in time. */
  onTimeout?: () => WrennError;
}

type Incoming = { ok: true; value: unknown } | { ok: false; error: WrennError };

/**
 * One WebSocket as a JSON message channel: client messages are read in order and
 * validated with zod, server messages are JSON with backpressure, frames over 1 MiB are
 * refused, and the socket is kept alive with pings (protocol pings, which also detect a
 * dead peer, and `{"type":"ping"}` messages a browser can see). `signal` aborts when the
 * socket closes; pass it to every agent call made for the socket so they end with it.
 */
export class WsChannel {
  private readonly closed = new AbortController();
  private readonly inbox: Incoming[] = [];
  private readonly timer: NodeJS.Timeout;
  private wake: (() => void) | undefined;
  private alive = true;
  private paused = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ChannelOptions,
  ) {
    socket.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    socket.on("pong", () => {
      this.alive = true;
    });
    socket.once("close", () => this.onClose());
    this.timer = setInterval(() => this.keepalive(), options.pingIntervalMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.closed.signal;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * The next client message, parsed with `schema` (client `ping`/`pong` messages are
   * skipped). Messages that arrived before the socket closed are still returned, then
   * undefined. A message that is not JSON or does not match throws `invalid_request`;
   * the caller decides whether that ends the socket.
   */
  async receive<S extends z.ZodType>(schema: S, options: ReceiveOptions): Promise<z.output<S> | undefined> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      const next = this.inbox.shift();
      if (next) {
        if (this.paused && this.inbox.length < INBOX_PAUSE_AT / 2) {
          this.paused = false;
          this.socket.resume();
        }
        if (!next.ok) throw next.error;
        if (isClientKeepalive(next.value)) continue;
        const parsed = schema.safeParse(next.value);
        if (!parsed.success) throw new WrennError("invalid_request", describeInvalid(parsed.error, next.value, options.expects));
        return parsed.data;
      }
      if (this.closed.signal.aborted) return undefined;
      if (await this.waitForMessage(deadline)) {
        throw options.onTimeout?.() ?? new WrennError("invalid_request", `no message arrived in time; expected ${options.expects}`);
      }
    }
  }

  /** Sends a JSON message (dropped if the socket has closed); waits while the client is behind. */
  async send(message: object): Promise<void> {
    if (!this.isOpen) return;
    const written = new Promise<void>((resolve) => this.socket.send(JSON.stringify(message), () => resolve()));
    if (this.socket.bufferedAmount > SEND_HIGH_WATER_BYTES) await untilAborted(written, this.closed.signal);
  }

  /** Reports an error without closing (a bad message in the middle of a session). */
  report(err: unknown): void {
    void this.send(errorFrame(this.logged(toWrennError(err))));
  }

  /** Reports an error and closes with the matching code (see errors.ts). */
  fail(err: unknown): void {
    const wrenn = this.logged(toWrennError(err));
    void this.send(errorFrame(wrenn));
    this.close(closeCodeOf(wrenn), wrenn.code);
  }

  close(code = 1000, reason = ""): void {
    const state = this.socket.readyState;
    if (state === WebSocket.OPEN || state === WebSocket.CONNECTING) this.socket.close(code, reason);
  }

  private logged(err: WrennError): WrennError {
    if (err.code === "internal_error") this.options.log.error({ err: err.cause ?? err }, "websocket session failed");
    else if (err.httpStatus >= 500) this.options.log.warn({ err: err.cause ?? err, code: err.code }, err.message);
    return err;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (bytes.length > MAX_MESSAGE_BYTES) {
      this.fail(
        new WrennError("too_large", `messages are limited to ${MAX_MESSAGE_BYTES} bytes (1 MiB); this one has ${bytes.length}: split the input into several messages`),
      );
      return;
    }
    this.inbox.push(parseIncoming(bytes, isBinary));
    if (!this.paused && this.inbox.length >= INBOX_PAUSE_AT) {
      this.paused = true;
      this.socket.pause();
    }
    this.notify();
  }

  private onClose(): void {
    clearInterval(this.timer);
    this.closed.abort();
    this.notify();
  }

  private keepalive(): void {
    if (!this.isOpen) return;
    // A paused socket does not read pongs either, so silence then proves nothing.
    if (!this.alive && !this.paused) {
      this.options.log.info("websocket peer stopped answering pings; closing");
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
    void this.send({ type: "ping" });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves true on timeout, false when a message arrived or the socket closed. */
  private waitForMessage(deadline: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (deadline !== undefined) {
        timer = setTimeout(() => {
          this.wake = undefined;
          resolve(true);
        }, Math.max(0, deadline - Date.now()));
      }
      this.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }
}

function parseIncoming(bytes: Buffer, isBinary: boolean): Incoming {
  if (isBinary) return { ok: false, error: new WrennError("invalid_request", "send JSON text messages, not binary frames") };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, error: new WrennError("invalid_request", "the message is not valid JSON") };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: new WrennError("invalid_request", 'messages are JSON objects with a "type" field') };
  }
  return { ok: true, value };
}

function isClientKeepalive(value: unknown): boolean {
  const type = (value as { type?: unknown }).type;
  return type === "ping" || type === "pong";
}

function describeInvalid(error: z.ZodError, value: unknown, expects: string): string {
  const issue = error.issues[0];
  const type = (value as { type?: unknown }).type;
  if (!issue || issue.path[0] === "type" || issue.code === "invalid_union") {
    return `unexpected message type ${JSON.stringify(type ?? null)}: expected ${expects}`;
  }
  return `invalid "${String(type)}" message: ${issue.path.join(".") || "message"}: ${issue.message}`;
}

/** Waits for `promise`, or until `signal` aborts (the socket closed under a pending write). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void promise.then(done);
  });
}
