import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Process } from "@wrenn/proto/envd/process";
import { Filesystem } from "@wrenn/proto/envd/filesystem";

/** Port envd listens on inside every capsule. */
export const ENVD_PORT = 49983;

/**
 * How the agent talks to one capsule's envd: Connect clients for process.Process and
 * filesystem.Filesystem (HTTP/2 cleartext, so client streams work) and the base URL for
 * envd's plain HTTP endpoints. Every call carries the capsule's access token; the user
 * is chosen per call with `userHeader()`.
 */
export class EnvdConnection {
  readonly process: Client<typeof Process>;
  readonly filesystem: Client<typeof Filesystem>;

  constructor(
    readonly baseUrl: string,
    readonly accessToken: string,
  ) {
    const auth: Interceptor = (next) => (req) => {
      req.header.set("X-Access-Token", accessToken);
      return next(req);
    };
    const transport = createConnectTransport({ baseUrl, httpVersion: "2", interceptors: [auth] });
    this.process = createClient(Process, transport);
    this.filesystem = createClient(Filesystem, transport);
  }

  /** Headers for plain HTTP calls (`/files`, `/metrics`, ...). */
  httpHeaders(user?: string): Record<string, string> {
    const headers: Record<string, string> = { "X-Access-Token": this.accessToken };
    if (user) headers.authorization = userAuthorization(user);
    return headers;
  }
}

/** E2B-style user selection: `Authorization: Basic base64("<user>:")`. */
export function userAuthorization(user: string): string {
  return `Basic ${Buffer.from(`${user}:`).toString("base64")}`;
}

/** Per-call options that act as `user` (empty = the capsule's default user). */
export function asUser(user: string | undefined): { headers?: Record<string, string> } {
  return user ? { headers: { authorization: userAuthorization(user) } } : {};
}
