import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";

export type Message = Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A test-side WebSocket that records every JSON message the server sends, so tests can
 * wait for the next message of a type, or for output text, without losing anything.
 */
export class WsClient {
  readonly messages: Message[] = [];
  /** Index of the first message `next` has not consumed. */
  private cursor = 0;
  private readonly closedPromise: Promise<Closed>;
  private closedValue: Closed | undefined;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      this.messages.push(isBinary ? { type: "<binary>", data } : (JSON.parse(data.toString()) as Message));
      this.notify();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once("close", (code, reason) => {
        this.closedValue = { code, reason: reason.toString() };
        this.notify();
        resolve(this.closedValue);
      });
    });
    socket.on("error", () => {});
  }

  /** Opens a socket to `url` (ws://…) with optional auth: an API key (`wrn_…`) or a JWT. */
  static async open(url: string, auth?: string | null): Promise<WsClient> {
    const headers: Record<string, string> = {};
    if (auth) {
      if (auth.startsWith("wrn_")) headers["x-api-key"] = auth;
      else headers.authorization = `Bearer ${auth}`;
    }
    const socket = new WebSocket(url, { headers });
    const client = new WsClient(socket);
    await Promise.race([
      once(socket, "open"),
      once(socket, "unexpected-response").then(([, res]) => {
        throw new Error(`upgrade refused with HTTP ${(res as { statusCode: number }).statusCode}`);
      }),
    ]);
    return client;
  }

  /** Everything of `types` received so far, decoded (stdout/stderr text or base64). */
  bytesOf(type: "stdout" | "stderr" | "output"): Buffer {
    const parts = this.messages
      .filter((m) => m.type === type)
      .map((m) => Buffer.from(m.data as string, type === "output" || m.encoding === "base64" ? "base64" : "utf8"));
    return Buffer.concat(parts);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The next unconsumed message of `type` (earlier ones of other types are skipped). */
  async next(type: string, timeoutMs = 15_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const message = this.messages[this.cursor++]!;
        if (message.type === type) return message;
      }
      if (this.closedValue) throw new Error(`socket closed (${this.closedValue.code}) before a "${type}" message; got ${JSON.stringify(this.messages)}`);
      if (!(await this.waitUntil(deadline))) throw new Error(`no "${type}" message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-20))}`);
    }
  }

  /**
   * Output text from `types` messages (base64 for `output`, or when the message says so),
   * read from the cursor until `pattern` matches; returns the text read.
   */
  async output(pattern: RegExp, types: string[] = ["stdout", "output"], timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = "";
    for (;;) {
      while (this.cursor < this.messages.length) {
        const message = this.messages[this.cursor++]!;
        if (!types.includes(message.type)) continue;
        const base64 = message.type === "output" || message.encoding === "base64";
        text += base64 ? Buffer.from(message.data as string, "base64").toString("utf8") : (message.data as string);
        if (pattern.test(text)) return text;
      }
      if (this.closedValue) throw new Error(`socket closed (${this.closedValue.code}) before output ${pattern}: ${JSON.stringify(text)}`);
      if (!(await this.waitUntil(deadline))) throw new Error(`no ${pattern} in output within ${timeoutMs} ms: ${JSON.stringify(text)}`);
    }
  }

  /** Resolves when the server has closed the socket (or after `timeoutMs`, rejecting). */
  async closed(timeoutMs = 15_000): Promise<Closed> {
    return Promise.race([
      this.closedPromise,
      sleep(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`socket still open after ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-20))}`);
      }),
    ]);
  }

  /** Closes from our side and waits for the close to complete. */
  async close(): Promise<void> {
    if (!this.closedValue) {
      this.socket.close();
      await this.closedPromise;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** False once the deadline has passed. */
  private async waitUntil(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return true;
  }
}
