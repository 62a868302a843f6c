import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Process } from "@wrenn/proto/envd/process";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import { envdHttpRequest, type EnvdHttpRequest, type EnvdHttpResponse } from "./http.js";

/** Port envd listens on inside every capsule. */
export const ENVD_PORT = 49983;

/**
 * How the agent talks to one capsule's envd: Connect clients for process.Process and
 * filesystem.Filesystem and plain HTTP requests (`/files`, `/metrics`), all over ONE
 * HTTP/2 cleartext connection (client streams need HTTP/2). Every call carries the
 * capsule's access token; the user is chosen per call with `asUser()` / `httpHeaders()`.
 *
 * A gVisor checkpoint is refused while any TCP connection to the capsule is open, so
 * `close()` drops the connection (from the host side, which keeps TIME_WAIT on the host)
 * for good: calls still on their way fail instead of opening a new one behind the
 * manager's back. After a resume the manager makes a new EnvdConnection.
 */
export class EnvdConnection {
  readonly process: Client<typeof Process>;
  readonly filesystem: Client<typeof Filesystem>;
  private readonly session: ClosableSessionManager;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly baseUrl: string,
    readonly accessToken: string,
  ) {
    const auth: Interceptor = (next) => (req) => {
      req.header.set("X-Access-Token", accessToken);
      return next(req);
    };
    this.session = new ClosableSessionManager(baseUrl, {}, http2SessionOptions);
    const transport = createConnectTransport({
      baseUrl,
      httpVersion: "2",
      sessionManager: this.session,
      interceptors: [auth],
      // envd's own limit is 16 MiB per message; file data goes over plain HTTP instead.
      readMaxBytes: 32 << 20,
      writeMaxBytes: 32 << 20,
    });
    this.process = createClient(Process, transport);
    this.filesystem = createClient(Filesystem, transport);
  }

  /** Headers for plain HTTP calls (`/files`, `/metrics`, ...). */
  httpHeaders(user?: string): Record<string, string> {
    const headers: Record<string, string> = { "X-Access-Token": this.accessToken };
    if (user) headers.authorization = userAuthorization(user);
    return headers;
  }

  /** A plain HTTP request to envd on the shared connection; the body streams both ways. */
  request(req: EnvdHttpRequest): Promise<EnvdHttpResponse> {
    return envdHttpRequest(this.session, { ...req, headers: { ...this.httpHeaders(req.user), ...req.headers } });
  }

  /**
   * Drops the connection and every stream on it (calls in flight fail); no call opens
   * another. Listeners from `onClose` run, so other connections to the capsule (the port
   * proxy's) go with it.
   */
  close(): void {
    if (this.session.closed) return;
    this.session.closed = true;
    this.session.abort();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Runs `listener` when the connection is closed (at once if it already is). */
  onClose(listener: () => void): void {
    if (this.session.closed) listener();
    else this.closeListeners.push(listener);
  }

  get closed(): boolean {
    return this.session.closed;
  }
}

/** A session manager that, once closed, refuses to connect again. */
class ClosableSessionManager extends Http2SessionManager {
  closed = false;

  override connect(): Promise<"open" | "idle" | "error"> {
    return this.closed ? Promise.resolve("error") : super.connect();
  }

  override request(...args: Parameters<Http2SessionManager["request"]>): ReturnType<Http2SessionManager["request"]> {
    if (this.closed) {
      // A ConnectError passes through the Connect transport with its code intact.
      return Promise.reject(
        new ConnectError("the agent closed its connection to this capsule's envd (the capsule is pausing or stopping)", Code.FailedPrecondition),
      );
    }
    return super.request(...args);
  }
}

/**
 * Larger flow-control windows than HTTP/2's 64 KiB default: with the default a bulk
 * download from envd stalls on WINDOW_UPDATE round trips.
 */
const http2SessionOptions = { settings: { initialWindowSize: 4 << 20 } };

/** E2B-style user selection: `Authorization: Basic base64("<user>:")`. */
export function userAuthorization(user: string): string {
  return `Basic ${Buffer.from(`${user}:`).toString("base64")}`;
}

/** Per-call options that act as `user` (empty = the capsule's default user). */
export function asUser(user: string | undefined): { headers?: Record<string, string> } {
  return user ? { headers: { authorization: userAuthorization(user) } } : {};
}
