import type { Server } from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { checkAccessToken } from "./auth.js";
import type { EnvdContext, HttpHandler } from "./context.js";
import { sendHttpError, toConnectError } from "./errors.js";
import { registerProcessService } from "./process/service.js";
import { registerFilesystemService } from "./filesystem/service.js";
import { httpRoutes } from "./http/routes.js";
import { createDualProtocolServer } from "@wrenn/netkit";

/** Paths any caller may reach without the access token. */
const PUBLIC_PATHS = new Set(["/health"]);

function authInterceptor(ctx: EnvdContext): Interceptor {
  return (next) => async (req) => {
    try {
      checkAccessToken(ctx.state, (name) => req.header.get(name));
    } catch (err) {
      throw toConnectError(err);
    }
    return next(req);
  };
}

/**
 * One port serves both Connect RPC (process.Process, filesystem.Filesystem) and the
 * plain HTTP endpoints. HTTP/1.1 and cleartext HTTP/2 are both accepted, so unary and
 * server-streaming calls work through HTTP/1.1 proxies and client streams work over h2c.
 */
export function createEnvdServer(ctx: EnvdContext): Server {
  const connect = connectNodeAdapter({
    routes: (router: ConnectRouter) => {
      registerProcessService(router, ctx);
      registerFilesystemService(router, ctx);
    },
    interceptors: [authInterceptor(ctx)],
    readMaxBytes: ctx.config.maxMessageBytes,
    writeMaxBytes: ctx.config.maxMessageBytes,
    // Never gzip responses: process output streams at memory speed over a local link,
    // and compressing it would burn the capsule's CPU (compressed requests still work).
    compressMinBytes: Number.MAX_SAFE_INTEGER,
  });

  return createDualProtocolServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://envd");
    const handler: HttpHandler | undefined = httpRoutes[`${req.method} ${url.pathname}`];
    if (!handler) {
      connect(req, res);
      return;
    }
    void (async () => {
      try {
        if (!PUBLIC_PATHS.has(url.pathname)) {
          checkAccessToken(ctx.state, (name) => {
            const value = req.headers[name];
            return Array.isArray(value) ? value[0] : value;
          });
        }
        await handler(req, res, ctx, url);
      } catch (err) {
        if (!(res.headersSent && res.writableEnded)) sendHttpError(res, err);
      }
    })();
  });
}
