import { request } from "node:http";
import { connect } from "node:http2";
import { connect as connectTcp, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDualProtocolServer, type DualProtocolServer } from "./dual-protocol-server.js";

describe("createDualProtocolServer", () => {
  let server: DualProtocolServer | undefined;
  afterEach(async () => {
    if (!server) return;
    await new Promise<void>((resolve) => {
      server!.close(() => resolve());
      server!.closeAllConnections();
    });
    server = undefined;
  });

  async function start(options: Parameters<typeof createDualProtocolServer>[1] = {}): Promise<number> {
    server = createDualProtocolServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${req.httpVersion} ${req.method} ${req.url}`);
    }, options);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  it("answers HTTP/1.1 and cleartext HTTP/2 on one port", async () => {
    const port = await start();
    const h1 = await new Promise<string>((resolve, reject) => {
      request({ port, path: "/one" }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c));
        res.on("end", () => resolve(body));
      })
        .on("error", reject)
        .end();
    });
    expect(h1).toBe("1.1 GET /one");

    const session = connect(`http://127.0.0.1:${port}`);
    const h2 = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ":path": "/two" });
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => resolve(body));
      req.on("error", reject);
      req.end();
    });
    session.close();
    expect(h2).toBe("2.0 GET /two");
  });

  it("hands HTTP/1.1 upgrades to onUpgrade, and closeAllConnections ends idle keep-alives", async () => {
    const port = await start({
      onUpgrade: (_req, socket) => socket.end("HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: test\r\n\r\nhi"),
    });
    const socket = connectTcp(port, "127.0.0.1");
    socket.write("GET / HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: test\r\n\r\n");
    let received = "";
    socket.on("data", (c: Buffer) => (received += c));
    await new Promise((resolve) => socket.on("close", resolve));
    expect(received).toMatch(/^HTTP\/1.1 101 .*hi$/s);

    const idle = connectTcp(port, "127.0.0.1");
    idle.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await new Promise((resolve) => idle.once("data", resolve));
    const closed = new Promise((resolve) => idle.on("close", resolve));
    server!.closeAllConnections();
    await closed;
  });
});
