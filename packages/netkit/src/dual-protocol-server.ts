import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type ServerOptions as Http2ServerOptions,
} from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket, type TlsOptions } from "node:tls";
import type { Duplex } from "node:stream";

export type DualProtocolHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

export interface DualProtocolServerOptions {
  /** HTTP/1.1 `Upgrade` requests (WebSocket). Without a handler they are refused. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Options for the HTTP/2 side, e.g. larger flow-control windows. */
  http2?: Http2ServerOptions;
  /**
   * Serve TLS instead of cleartext (ALPN picks h2 or http/1.1). `accept` sees each
   * handshaken socket first, e.g. to check who the verified client certificate names.
   */
  tls?: { options: TlsOptions; accept?: (socket: TLSSocket) => boolean };
}

export interface DualProtocolServer extends Server {
  /** Ends every open connection now; `close()` alone waits for idle keep-alives to time out. */
  closeAllConnections(): void;
  /** New certificates for new connections (TLS only); open ones keep theirs. */
  setSecureContext(options: SecureContextOptions): void;
}

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

/**
 * One TCP port that speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge) at once.
 * Node 20's http2 server cannot fall back to HTTP/1.1 without TLS, so the first bytes of
 * each connection decide which server gets the socket.
 */
export function createDualProtocolServer(handler: DualProtocolHandler, options: DualProtocolServerOptions = {}): DualProtocolServer {
  const http1 = createHttp1Server({ keepAliveTimeout: 65_000 }, handler);
  const http2 = createHttp2Server(options.http2 ?? {}, handler);
  // A client that vanishes mid-request must never take the server down.
  http1.on("clientError", (_err, socket) => socket.destroy());
  http2.on("sessionError", () => {});
  if (options.onUpgrade) http1.on("upgrade", options.onUpgrade);

  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  http2.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const route = (socket: Socket, head: Buffer): void => {
    socket.unshift(head);
    const target = head.subarray(0, 3).equals(H2_PREFACE.subarray(0, 3)) ? http2 : http1;
    target.emit("connection", socket);
  };

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const finish = (server: Server, setSecureContext: (options: SecureContextOptions) => void): DualProtocolServer => {
    server.on("close", () => {
      http1.closeAllConnections();
      http2.close();
    });
    return Object.assign(server, {
      closeAllConnections(): void {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      },
      setSecureContext,
    });
  };

  if (options.tls) {
    const { accept } = options.tls;
    const server = createTlsServer({ ...options.tls.options, ALPNProtocols: ["h2", "http/1.1"], noDelay: true }, (socket) => {
      track(socket);
      if (accept && !accept(socket)) {
        socket.destroy();
        return;
      }
      (socket.alpnProtocol === "h2" ? http2 : http1).emit("connection", socket);
    });
    // Failed handshakes (wrong CA, no certificate) only concern that client.
    server.on("tlsClientError", () => {});
    const setContext = server.setSecureContext.bind(server);
    return finish(server, setContext);
  }

  // Nagle would hold back small stream messages (a start or end event) for a delayed ACK.
  const server = createNetServer({ noDelay: true }, (socket) => {
    track(socket);
    let head = Buffer.alloc(0);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, 3);
      if (head.length >= 3 || !head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
        socket.off("readable", onReadable);
        route(socket, head);
      }
    };
    socket.on("readable", onReadable);
  });
  return finish(server, () => {
    throw new Error("setSecureContext needs a TLS server");
  });
}
