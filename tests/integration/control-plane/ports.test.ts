// Ports inside capsules through the control plane, path-based (/v1/capsules/{id}/ports/{port}/…,
// team credentials) and host-based ({port}-{id}.{domain}, public unless public_ports is off),
// for HTTP and WebSocket, against a real server in a real capsule. Access rules on both
// database back ends; streaming, headers and WebSocket details once, on PGlite.
import { request, type IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "@wrenn/core";
import { updateCapsule } from "@wrenn/db";
import { dbBackends } from "@wrenn/testkit";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";
import { createAgentCapsule, registerCapsule, setCapsuleStatus } from "./support/capsule.js";
import { startStack, type Stack } from "./support/stack.js";

const PORT = 8080;

/**
 * The service in the capsule, for the capsule's own Node (/opt/wrenn/node): `/hello`
 * answers "hello", `/stream` writes three lines over time, anything else echoes the request
 * (method, url, headers, body length and hash) as JSON, and an upgrade becomes a WebSocket
 * echo (text and binary), written by hand because the capsule has no npm packages.
 */
const serverScript = `
const http = require("http"), crypto = require("crypto");
const server = http.createServer((req, res) => {
  if (req.url === "/hello") { res.writeHead(200, { "content-type": "text/plain" }); return res.end("hello"); }
  if (req.url === "/stream") {
    res.writeHead(200, { "content-type": "text/plain" });
    let i = 0;
    const t = setInterval(() => { res.write("tick" + i + "\\n"); if (++i === 3) { clearInterval(t); res.end(); } }, 150);
    return;
  }
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  req.on("data", (c) => { bytes += c.length; hash.update(c); });
  req.on("end", () => {
    res.writeHead(201, { "content-type": "application/json", "x-custom": "yes", "keep-alive": "timeout=5", "set-cookie": ["a=1", "b=2"] });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes, sha256: hash.digest("hex") }));
  });
});
server.on("upgrade", (req, socket) => {
  const accept = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\nX-Seen-Url: " + req.url + "\\r\\n\\r\\n");
  const send = (op, data) => {
    const head = data.length < 126 ? Buffer.from([0x80 | op, data.length]) : Buffer.from([0x80 | op, 126, data.length >> 8, data.length & 255]);
    socket.write(Buffer.concat([head, data]));
  };
  let buf = Buffer.alloc(0);
  socket.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 15;
      let len = buf[1] & 127, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4);
      const data = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      buf = buf.subarray(off + 4 + len);
      if (op === 8) { socket.end(Buffer.from([0x88, 0])); return; }
      if (op === 9) send(10, data);
      else if (op === 1 || op === 2) send(op, data);
    }
  });
  socket.on("error", () => {});
});
server.listen(${PORT}, "0.0.0.0");
`;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => any;
}

/** HTTP with any Host header (fetch does not let a test set one). */
function httpRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: options.method ?? "GET", path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString(), json: () => JSON.parse(body.toString()) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A WebSocket that is open, or the HTTP status the upgrade was refused with. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", reject);
  });
}

async function echo(ws: WebSocket, message: string | Buffer): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => {
    ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
    ws.send(message);
  });
}

let agent: TestAgent;
/** Runs the service on PORT; registered (public) in every stack. */
let capsule: string;

beforeAll(async () => {
  agent = await startTestAgent("cp-ports", "10.25.0.0/16");
  capsule = await createAgentCapsule(agent);
  await agent.client.startBackground({ capsuleId: capsule, cmd: "/opt/wrenn/node/bin/node", args: ["-e", serverScript], tag: "web" });
  const deadline = Date.now() + 15_000;
  while ((await fetch(`${agent.url}/proxy/${capsule}/${PORT}/hello`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error("the server in the capsule did not come up");
    await sleep(100);
  }
}, 300_000);

afterAll(async () => {
  if (capsule) await agent.client.destroyCapsule({ capsuleId: capsule }).catch(() => {});
  const left = await agent?.shutdown();
  if (left) expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
}, 120_000);

describe.each(dbBackends)("port access on %s", (backend) => {
  let stack: Stack;
  let otherKey: string;
  const portPath = (id: string, port: number | string, rest = "/hello"): string => `/v1/capsules/${id}/ports/${port}${rest}`;
  const hostOf = (id: string, port: number | string = PORT): string => `${port}-${id}.localhost:${new URL(stack.url).port}`;

  beforeAll(async () => {
    stack = await startStack({ backend, postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    await registerCapsule(stack, capsule);
    otherKey = (await stack.newAccount(`ports-other-${backend}@example.test`)).apiKey;
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("reaches the port path-based with the team's key (200 hello), and refuses without it (401)", async () => {
    const ok = await stack.api("GET", portPath(capsule, PORT));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe("hello");
    const anonymous = await stack.api("GET", portPath(capsule, PORT), { auth: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
    expect((await stack.api("GET", portPath(capsule, PORT), { auth: `wrn_${"0".repeat(32)}` })).status).toBe(401);
  });

  it("answers not_found for another team's key, an unknown and a stopped capsule; 403 for envd's port; 400 for bad ports", async () => {
    const other = await stack.api("GET", portPath(capsule, PORT), { auth: otherKey });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: { code: "not_found", message: `capsule ${capsule} not found` } });
    expect((await stack.api("GET", portPath(newId("capsule"), PORT))).status).toBe(404);
    expect((await stack.api("GET", portPath(capsule, 49983, "/health"))).status).toBe(403);
    for (const bad of ["0", "65536", "http", "-1", "99999"]) {
      const res = await stack.api("GET", portPath(capsule, bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    expect((await stack.api("GET", portPath("cl-nope", PORT))).status).toBe(400);
  });

  it("answers 409 while the capsule is paused, path-based and host-based", async () => {
    await setCapsuleStatus(stack, capsule, "paused");
    try {
      const path = await stack.api("GET", portPath(capsule, PORT));
      expect(path.status).toBe(409);
      expect(path.body.error.code).toBe("invalid_state");
      const host = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule) } });
      expect(host.status).toBe(409);
      expect(host.json().error.code).toBe("invalid_state");
    } finally {
      await setCapsuleStatus(stack, capsule, "running");
    }
  });

  it("reaches a public capsule host-based without auth, and only the capsule: API paths on that host go to the port", async () => {
    const res = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule) } });
    expect(res.status).toBe(200);
    expect(res.text).toBe("hello");
    // Case and a trailing dot in the host do not matter; the Host's own port suffix neither.
    expect((await httpRequest(stack.url, "/hello", { headers: { host: `${PORT}-${capsule.toUpperCase()}.LOCALHOST.` } })).text).toBe("hello");
    for (const path of ["/v1/capsules", "/health", "/openapi.json", `/v1/capsules/${capsule}/ports/${PORT}/hello`]) {
      const api = await httpRequest(stack.url, path, { headers: { host: hostOf(capsule), "x-api-key": stack.account.apiKey } });
      expect(api.status, path).toBe(201);
      expect(api.json().url, path).toBe(path);
    }
    const unknown = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(newId("capsule")) } });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error.code).toBe("not_found");
    expect((await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule, 49983) } })).status).toBe(403);
    // Another domain is the API as usual.
    expect((await httpRequest(stack.url, "/v1/capsules", { headers: { host: `${PORT}-${capsule}.example.com` } })).status).toBe(401);
  });

  it("asks for the team's credentials host-based when public_ports is off", async () => {
    await updateCapsule(stack.cp.deps.db, capsule, { public_ports: false });
    try {
      const anonymous = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule) } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.json().error.code).toBe("unauthorized");
      const withKey = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule), "x-api-key": stack.account.apiKey } });
      expect(withKey.status).toBe(200);
      expect(withKey.text).toBe("hello");
      const other = await httpRequest(stack.url, "/hello", { headers: { host: hostOf(capsule), "x-api-key": otherKey } });
      expect(other.status).toBe(404);
      // The credential it took is not passed on to the service.
      const echoed = (await httpRequest(stack.url, "/echo", { headers: { host: hostOf(capsule), "x-api-key": stack.account.apiKey } })).json();
      expect(echoed.headers["x-api-key"]).toBeUndefined();
    } finally {
      await updateCapsule(stack.cp.deps.db, capsule, { public_ports: true });
    }
  });

  it("tunnels WebSockets path-based with the key and host-based without, and refuses an upgrade without the key", async () => {
    const wsBase = stack.url.replace(/^http/, "ws");
    const pathSocket = await openSocket(`${wsBase}${portPath(capsule, PORT, "/chat?room=1")}`, { "x-api-key": stack.account.apiKey });
    expect(pathSocket).toBeInstanceOf(WebSocket);
    expect(await echo(pathSocket as WebSocket, "hi")).toEqual({ data: Buffer.from("hi"), isBinary: false });
    (pathSocket as WebSocket).close();
    expect(await openSocket(`${wsBase}${portPath(capsule, PORT, "/chat")}`)).toBe(401);
    expect(await openSocket(`${wsBase}${portPath(capsule, PORT, "/chat")}`, { "x-api-key": otherKey })).toBe(404);

    const hostSocket = await openSocket(`${wsBase}/chat`, { host: hostOf(capsule) });
    expect(hostSocket).toBeInstanceOf(WebSocket);
    expect(await echo(hostSocket as WebSocket, Buffer.from([0, 255, 7]))).toEqual({ data: Buffer.from([0, 255, 7]), isBinary: true });
    (hostSocket as WebSocket).close();
  });
});

describe("port proxying details (on pglite)", () => {
  let stack: Stack;
  const base = (): string => `/v1/capsules/${capsule}/ports/${PORT}`;

  beforeAll(async () => {
    stack = await startStack({ backend: "pglite", postgresUrl: inject("postgresUrl"), agentUrl: agent.url });
    await registerCapsule(stack, capsule);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("forwards method, path, query and body; passes status and headers, minus hop-by-hop and the caller's credentials", async () => {
    const res = await httpRequest(stack.url, `${base()}/echo/a%20b/?x=1&y=two`, {
      method: "PUT",
      headers: { "x-api-key": stack.account.apiKey, "content-type": "application/weird", "x-test": "abc", authorization: "Bearer nope", connection: "keep-alive, x-drop", "x-drop": "1" },
      body: "payload",
    });
    expect(res.status).toBe(201);
    expect(res.headers["x-custom"]).toBe("yes");
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(res.headers["keep-alive"]).not.toBe("timeout=5");
    const seen = res.json();
    expect(seen).toMatchObject({ method: "PUT", url: "/echo/a%20b/?x=1&y=two", bytes: 7 });
    expect(seen.headers).toMatchObject({ "x-test": "abc", "content-type": "application/weird", "x-forwarded-proto": "http", "x-forwarded-prefix": base() });
    expect(seen.headers["x-api-key"]).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["x-drop"]).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(stack.url).host);
    expect(seen.headers["x-forwarded-for"]).toMatch(/^127\.0\.0\.1/);

    const root = await stack.api("GET", `${base()}?q=1`);
    expect(root.body).toMatchObject({ url: "/?q=1" });
    const head = await httpRequest(stack.url, `${base()}/hello`, { method: "HEAD", headers: { "x-api-key": stack.account.apiKey } });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it("passes the client's Host and Authorization through host-based on a public capsule", async () => {
    const host = `${PORT}-${capsule}.localhost`;
    const seen = (await httpRequest(stack.url, "/x?y=1", { method: "POST", headers: { host, authorization: "Basic dTpw", "x-api-key": "wrn_x" }, body: "b" })).json();
    expect(seen).toMatchObject({ method: "POST", url: "/x?y=1", bytes: 1 });
    expect(seen.headers).toMatchObject({ host, "x-forwarded-host": host, authorization: "Basic dTpw" });
    expect(seen.headers["x-api-key"]).toBeUndefined();
    expect(seen.headers["x-forwarded-prefix"]).toBeUndefined();
  });

  it("streams request and response bodies (64 MiB up, chunks down as they are written)", async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 7);
    const up = await httpRequest(stack.url, `${base()}/upload`, { method: "POST", headers: { "x-api-key": stack.account.apiKey, "content-type": "application/octet-stream" }, body: big });
    expect(up.status).toBe(201);
    const { createHash } = await import("node:crypto");
    expect(up.json()).toMatchObject({ bytes: big.length, sha256: createHash("sha256").update(big).digest("hex") });

    const res = await fetch(`${stack.url}${base()}/stream`, { headers: { "x-api-key": stack.account.apiKey } });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now();
    let text = Buffer.from(first.value!).toString();
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += Buffer.from(next.value).toString();
    expect(text).toBe("tick0\ntick1\ntick2\n");
    // The last tick came about 300 ms after the first arrived: nothing was buffered.
    expect(Date.now() - firstAt).toBeGreaterThan(200);
  });

  it("answers 502 when nothing listens on the port, for HTTP and WebSocket", async () => {
    const res = await stack.api("GET", `/v1/capsules/${capsule}/ports/8081/`);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("agent_error");
    const refused = await openSocket(`${stack.url.replace(/^http/, "ws")}/v1/capsules/${capsule}/ports/8081/`, { "x-api-key": stack.account.apiKey });
    expect(refused).toBe(502);
  });

  it("keeps WebSocket frames intact both ways, large ones too, and the path and query", async () => {
    const ws = new WebSocket(`${stack.url.replace(/^http/, "ws")}${base()}/deep/path?q=2`, { headers: { "x-api-key": stack.account.apiKey } });
    // The service's 101 answer arrives as it was sent, and it saw the path and query inside the capsule.
    const upgrade = new Promise<IncomingHttpHeaders>((resolve) => ws.once("upgrade", (res) => resolve(res.headers)));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    expect((await upgrade)["x-seen-url"]).toBe("/deep/path?q=2");
    for (const message of ["text", Buffer.alloc(60_000, 3), "ünïcödé"]) {
      const back = await echo(ws, message);
      expect(back.data).toEqual(Buffer.from(message));
      expect(back.isBinary).toBe(Buffer.isBuffer(message));
    }
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBeGreaterThan(0);
  });
});
