import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../log.js";
import { PortForwarder } from "./forwarder.js";
import { readListenSockets } from "./scan.js";

// The whole 127.0.0.0/8 is loopback on Linux: the "service" listens on 127.0.0.2 and the
// forwarder's "external" address is 127.0.0.1, so no network namespace is needed here.
const SERVICE = "127.0.0.2";
const EXTERNAL = "127.0.0.1";

const warnings: string[] = [];
const log: Logger = { info: () => {}, warn: (msg) => void warnings.push(msg), error: () => {} };
const cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  warnings.length = 0;
});

/** Answers "got:<everything received>" once the client half-closes. */
async function startService(host = SERVICE, port = 0): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
  });
  server.listen(port, host);
  await once(server, "listening");
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function forwarderFor(...ports: number[]): PortForwarder {
  const forwarder = new PortForwarder({
    log,
    intervalMs: 1000,
    externalAddresses: () => [EXTERNAL],
    // Only the test's ports: the rest of the machine's listeners are not ours to forward.
    readSockets: async () => (await readListenSockets()).filter((s) => ports.includes(s.port)),
  });
  cleanups.push(() => forwarder.stop());
  return forwarder;
}

async function request(port: number, text: string): Promise<string> {
  const socket = connect(port, EXTERNAL);
  socket.end(text);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe("PortForwarder", () => {
  it("relays a loopback-only service, keeping half-close, and stops when it goes away", async () => {
    const service = await startService();
    const forwarder = forwarderFor(service.port);
    await forwarder.scan();
    expect(forwarder.active()).toEqual([`${EXTERNAL}:${service.port}`]);
    expect(await request(service.port, "hello")).toBe("got:hello");

    // A second scan must not mistake the forwarder's own listener for an external one.
    await forwarder.scan();
    expect(forwarder.active()).toEqual([`${EXTERNAL}:${service.port}`]);

    const open = connect(service.port, EXTERNAL);
    await once(open, "connect");
    await expect.poll(() => service.sockets.size).toBe(1);
    const closed = once(open, "close");
    for (const s of service.sockets) s.destroy();
    await new Promise((r) => service.server.close(r));
    await forwarder.scan();
    expect(forwarder.active()).toEqual([]);
    await closed;
    const refused = connect(service.port, EXTERNAL);
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
  });

  it("does not forward a port that also listens on a wildcard address", async () => {
    const wildcard = createServer();
    wildcard.listen(0, "0.0.0.0");
    await once(wildcard, "listening");
    cleanups.push(() => new Promise((r) => wildcard.close(r)));
    const port = (wildcard.address() as AddressInfo).port;
    const forwarder = forwarderFor(port);
    await forwarder.scan();
    expect(forwarder.active()).toEqual([]);
  });

  it("survives a busy port, warns once, and forwards once it is free", async () => {
    const service = await startService();
    const squatter = createServer();
    squatter.listen(service.port, EXTERNAL);
    await once(squatter, "listening");
    const forwarder = forwarderFor(service.port);
    await forwarder.scan();
    await forwarder.scan();
    expect(forwarder.active()).toEqual([]);
    expect(warnings).toEqual(["cannot forward port; will retry"]);

    await new Promise((r) => squatter.close(r));
    await forwarder.scan();
    expect(forwarder.active()).toEqual([`${EXTERNAL}:${service.port}`]);
    expect(await request(service.port, "again")).toBe("got:again");
  });

  it("closes every forward on stop", async () => {
    const service = await startService();
    const forwarder = forwarderFor(service.port);
    forwarder.start(1);
    await expect.poll(() => forwarder.active().length).toBe(1);
    await forwarder.stop();
    expect(forwarder.active()).toEqual([]);
    const refused = connect(service.port, EXTERNAL);
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
  });
});
