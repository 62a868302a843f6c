import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { connect as connectHttp2 } from "node:http2";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@wrenn/core";
import { startTestAgent, type TestAgent } from "./support/agent.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** An HTTP echo server with a WebSocket echo, run inside the capsule. */
const serverScript = `
const http = require("http");
const { WebSocketServer } = require("ws");
const server = http.createServer((req, res) => {
  if (req.url.startsWith("/stream")) {
    res.writeHead(200, { "content-type": "text/plain" });
    let i = 0;
    const t = setInterval(() => { res.write("tick" + i + "\\n"); if (++i === 3) { clearInterval(t); res.end(); } }, 30);
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.writeHead(201, { "content-type": "application/json", "x-custom": "yes", "keep-alive": "timeout=5" });
    res.end(body);
  });
});
new WebSocketServer({ server }).on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(Number(process.env.PORT), "0.0.0.0");
`;

/** TCP connections in state ESTABLISHED whose far end is 127.0.0.1:<port>. */
function establishedTo(port: number): number {
  const out = execFileSync("ss", ["-Htn", "state", "established", "dst", `127.0.0.1:${port}`], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.trim()).length;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("host agent: port proxy", () => {
  let agent: TestAgent;
  let id: string;
  let port: number;
  let base: string;

  beforeAll(async () => {
    agent = await startTestAgent();
    id = await agent.newCapsule();
    port = await freePort();
    await agent.client.startBackground({
      capsuleId: id,
      cmd: process.execPath,
      args: ["-e", serverScript],
      envs: { PORT: String(port) },
      cwd: repoRoot,
      tag: "web",
    });
    base = `${agent.url}/proxy/${id}/${port}`;
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${base}/ready`).then((r) => r.status, () => 0)) !== 201) {
      if (Date.now() > deadline) throw new Error("the server in the capsule did not come up");
      await sleep(100);
    }
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("forwards a request with its body and answers the capsule's response, with X-Forwarded-* and no hop-by-hop headers", async () => {
    const res = await fetch(`${base}/echo/path?x=1&y=two`, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-test": "abc" },
      body: "payload",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-custom")).toBe("yes");
    // The capsule said "timeout=5" for its own hop; the agent speaks for its own.
    expect(res.headers.get("keep-alive")).not.toBe("timeout=5");
    const echo = (await res.json()) as { method: string; url: string; body: string; headers: Record<string, string> };
    expect(echo).toMatchObject({ method: "POST", url: "/echo/path?x=1&y=two", body: "payload" });
    expect(echo.headers).toMatchObject({
      "x-test": "abc",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      host: new URL(agent.url).host,
      "x-forwarded-host": new URL(agent.url).host,
    });
  });

  it("keeps what the control plane already set in X-Forwarded-*", async () => {
    const res = await fetch(`${base}/`, { headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" } });
    const echo = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(echo.url).toBe("/");
    expect(echo.headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
  });

  it("streams a response as the capsule writes it", async () => {
    const res = await fetch(`${base}/stream`);
    expect(await res.text()).toBe("tick0\ntick1\ntick2\n");
  });

  it("proxies HTTP/2 requests too", async () => {
    const session = connectHttp2(agent.url);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":method": "GET", ":path": `/proxy/${id}/${port}/h2?z=9` });
        let status = 0;
        let body = "";
        req.on("response", (headers) => (status = Number(headers[":status"])));
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(201);
      expect(JSON.parse(body)).toMatchObject({ method: "GET", url: "/h2?z=9" });
    } finally {
      session.close();
    }
  });

  it("passes WebSocket upgrades through, text and binary", async () => {
    const ws = new WebSocket(`${base.replace("http:", "ws:")}/ws`);
    try {
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      const reply = (send: string | Buffer) =>
        new Promise<{ data: Buffer; isBinary: boolean }>((resolve) => {
          ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
          ws.send(send);
        });
      expect(await reply("hello")).toEqual({ data: Buffer.from("hello"), isBinary: false });
      expect(await reply(Buffer.from([0, 255, 1]))).toEqual({ data: Buffer.from([0, 255, 1]), isBinary: true });
    } finally {
      ws.close();
    }
  });

  const errorOf = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
  };

  it("answers 404 for an unknown capsule, 400 for a bad port and 502 when nothing listens", async () => {
    const unknown = newId("capsule");
    expect(await errorOf(`${agent.url}/proxy/${unknown}/${port}/`)).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    for (const bad of ["0", "65536", "http", "-1"]) {
      expect(await errorOf(`${agent.url}/proxy/${id}/${bad}/`)).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    }
    expect(await errorOf(`${agent.url}/proxy/not-a-capsule/${port}/`)).toMatchObject({ status: 400 });
    const closed = await freePort();
    expect(await errorOf(`${agent.url}/proxy/${id}/${closed}/`)).toEqual({
      status: 502,
      body: { error: { code: "agent_error", message: `nothing is listening on port ${closed} in capsule ${id}` } },
    });
  });

  it("refuses a WebSocket to a port where nothing listens with 502", async () => {
    const closed = await freePort();
    const ws = new WebSocket(`ws://${new URL(agent.url).host}/proxy/${id}/${closed}/`);
    const status = await new Promise<number>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", () => resolve(-1));
    });
    expect(status).toBe(502);
  });

  it("drops its connections to the capsule when the capsule's envd connection closes (pause), and answers 409 while paused", async () => {
    expect((await fetch(`${base}/warm`)).status).toBe(201);
    const ws = new WebSocket(`${base.replace("http:", "ws:")}/ws`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const wsClosed = new Promise((resolve) => ws.once("close", resolve));
    expect(establishedTo(port)).toBeGreaterThanOrEqual(2); // a kept-alive HTTP connection and the tunnel

    await agent.client.pauseCapsule({ capsuleId: id });
    try {
      await wsClosed;
      await sleep(100);
      expect(establishedTo(port)).toBe(0);
      expect(await errorOf(`${base}/`)).toMatchObject({ status: 409, body: { error: { code: "invalid_state" } } });
    } finally {
      await agent.client.resumeCapsule({ capsuleId: id });
    }
    expect((await fetch(`${base}/again`)).status).toBe(201);
    agent.server.disconnectCapsule(id);
    expect(establishedTo(port)).toBe(0);
  });
});
