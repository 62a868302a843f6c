import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { errorFromApi, errorFromResponse, errorFromTransport, WrennError } from "../errors.js";
import type { HttpClient, Query } from "./http.js";

/** A JSON message on one of the API's WebSockets: `{ "type": "...", ... }`. */
export interface SocketMessage {
  type: string;
  [field: string]: unknown;
}

export interface SocketHandlers {
  /** Every message except keepalive pings and `error` (which goes to onError). */
  onMessage(message: SocketMessage): void;
  /** An `error` message from the server, or a broken connection. */
  onError(error: WrennError): void;
  /** The socket closed (after onError, when it failed). */
  onClose(code: number, reason: string): void;
}

/** Reads an HTTP answer that refused the upgrade, as the API error it carries. */
function refusal(res: IncomingMessage): Promise<WrennError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("error", () => resolve(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
    res.on("end", () => {
      const headers = { get: (name: string): string | null => (res.headers[name.toLowerCase()] as string | undefined) ?? null };
      resolve(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), headers));
    });
  });
}

/**
 * One WebSocket to the API, JSON text frames both ways. Messages that arrive before
 * handlers are attached are kept, so nothing between the upgrade and `attach` is lost.
 */
export class JsonSocket {
  private handlers: SocketHandlers | undefined;
  private readonly pending: Array<(h: SocketHandlers) => void> = [];
  private closedWith: { code: number; reason: string } | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      let message: SocketMessage;
      try {
        message = JSON.parse(data.toString()) as SocketMessage;
      } catch {
        return;
      }
      if (message.type === "ping" || message.type === "keepalive") return;
      if (message.type === "error") {
        const error = errorFromApi(typeof message.code === "string" ? message.code : undefined, typeof message.message === "string" ? message.message : undefined);
        this.dispatch((h) => h.onError(error));
        return;
      }
      this.dispatch((h) => h.onMessage(message));
    });
    ws.on("error", (err) => this.dispatch((h) => h.onError(errorFromTransport(err, { url: ws.url }))));
    ws.on("close", (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.dispatch((h) => h.onClose(code, reason.toString()));
    });
  }

  private dispatch(event: (h: SocketHandlers) => void): void {
    if (this.handlers) event(this.handlers);
    else this.pending.push(event);
  }

  /** Opens `path` (under the API URL) with the API key header; rejects with the API's error if refused. */
  static open(http: HttpClient, path: string, query?: Query, options: { timeoutMs?: number } = {}): Promise<JsonSocket> {
    const url = http.url(path, query).replace(/^http/, "ws");
    const timeoutMs = options.timeoutMs ?? http.config.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: http.authHeaders(), handshakeTimeout: timeoutMs, perMessageDeflate: false });
      const fail = (err: WrennError): void => {
        ws.removeAllListeners();
        ws.on("error", () => {});
        ws.terminate();
        reject(err);
      };
      ws.once("unexpected-response", (_req, res) => void refusal(res).then(fail));
      ws.once("error", (err) => fail(errorFromTransport(err, { url, ...(/timeout/i.test(err.message) ? { timeoutMs } : {}) })));
      ws.once("open", () => {
        ws.removeAllListeners();
        resolve(new JsonSocket(ws));
      });
    });
  }

  /** Starts delivering events (including any that arrived before). */
  attach(handlers: SocketHandlers): void {
    this.handlers = handlers;
    for (const event of this.pending.splice(0)) event(handlers);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closed(): boolean {
    return this.closedWith !== undefined || this.ws.readyState >= WebSocket.CLOSING;
  }

  /** Sends one message; resolves once it is written (rejects if the socket is closed). */
  send(message: SocketMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState !== WebSocket.OPEN) {
        reject(new WrennError("the connection to the capsule is closed: reconnect (e.g. commands.connect / pty.connect) and retry", { code: "socket_closed" }));
        return;
      }
      this.ws.send(JSON.stringify(message), (err) => (err ? reject(errorFromTransport(err, { url: this.ws.url })) : resolve()));
    });
  }

  /** Closes the socket (normal closure); resolves once closed. */
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2_000);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.ws.readyState !== WebSocket.CLOSING) this.ws.close(1000);
    });
  }
}
