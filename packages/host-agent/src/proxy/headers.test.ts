import { describe, expect, it } from "vitest";
import { endToEnd, rawRequestHead, upstreamRequestHeaders } from "./headers.js";

describe("proxy headers", () => {
  it("drops hop-by-hop headers, those the Connection header names, and HTTP/2 pseudo-headers", () => {
    expect(
      endToEnd({
        connection: "keep-alive, x-hop",
        "keep-alive": "timeout=5",
        "transfer-encoding": "chunked",
        upgrade: "h2c",
        "x-hop": "1",
        ":path": "/x",
        "content-type": "text/plain",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual({ "content-type": "text/plain", "set-cookie": ["a=1", "b=2"] });
  });

  it("adds X-Forwarded-* and keeps the client's Host, appending to an existing X-Forwarded-For", () => {
    expect(upstreamRequestHeaders({ host: "agent:1", accept: "*/*" }, { remoteAddress: "10.0.0.1", host: "agent:1" })).toEqual({
      host: "agent:1",
      accept: "*/*",
      "x-forwarded-for": "10.0.0.1",
      "x-forwarded-host": "agent:1",
      "x-forwarded-proto": "http",
    });
    const behindProxy = upstreamRequestHeaders(
      { "x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https", "x-forwarded-host": "3000-cl-x.wrenn.dev" },
      { remoteAddress: "10.0.0.1", host: "agent:1" },
    );
    expect(behindProxy).toMatchObject({ "x-forwarded-for": "1.2.3.4, 10.0.0.1", "x-forwarded-proto": "https", "x-forwarded-host": "3000-cl-x.wrenn.dev" });
  });

  it("writes an upgrade request head with the upgrade headers and no header injection", () => {
    const head = rawRequestHead("GET", "/ws", { host: "h", "sec-websocket-key": "k\r\nx-evil: 1" }, "websocket").toString("latin1");
    expect(head).toBe("GET /ws HTTP/1.1\r\nhost: h\r\nsec-websocket-key: kx-evil: 1\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n");
  });
});
