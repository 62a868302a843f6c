import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EnvdConnection } from "./connection.js";

describe("EnvdConnection", () => {
  let server: Http2Server;
  let url: string;
  const sessions = new Set<ServerHttp2Session>();

  beforeEach(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url, token: req.headers["x-access-token"], auth: req.headers.authorization ?? null }));
    });
    server.on("session", (session: ServerHttp2Session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const body = async (conn: EnvdConnection, path: string, user?: string): Promise<unknown> => {
    const res = await conn.request({ method: "GET", path, user });
    let text = "";
    for await (const chunk of res.body) text += String(chunk);
    return JSON.parse(text);
  };

  it("sends plain HTTP with the access token and the user on one HTTP/2 connection", async () => {
    const conn = new EnvdConnection(url, "secret");
    expect(await body(conn, "/metrics")).toEqual({ path: "/metrics", token: "secret", auth: null });
    expect(await body(conn, "/files?path=%2Fa", "alice")).toEqual({
      path: "/files?path=%2Fa",
      token: "secret",
      auth: `Basic ${Buffer.from("alice:").toString("base64")}`,
    });
    expect(sessions.size).toBe(1);
    conn.close();
  });

  it("drops its connection on close() and never opens another", async () => {
    const conn = new EnvdConnection(url, "secret");
    await body(conn, "/metrics");
    expect(sessions.size).toBe(1);
    conn.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sessions.size).toBe(0);
    expect(conn.closed).toBe(true);

    const http = await conn.request({ method: "GET", path: "/metrics" }).catch((e: unknown) => e);
    expect((http as ConnectError).code).toBe(Code.FailedPrecondition);
    const rpc = await conn.process.list({}).catch((e: unknown) => e);
    expect(rpc).toBeInstanceOf(ConnectError);
    expect((rpc as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(sessions.size).toBe(0);
  });

  it("tells onClose listeners once, and at once when already closed", () => {
    const conn = new EnvdConnection(url, "secret");
    const calls: string[] = [];
    conn.onClose(() => calls.push("first"));
    conn.close();
    conn.close();
    conn.onClose(() => calls.push("late"));
    expect(calls).toEqual(["first", "late"]);
  });
});
