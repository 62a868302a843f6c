import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes, randomInt } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";

// envd runs in its own network namespace, as in a capsule; the test plays the host and
// reaches it over a veth pair. Names are unique per run so parallel runs do not collide.
const id = randomBytes(3).toString("hex");
const netns = `wrenn-test-pf-${id}`;
const vethHost = `wtpf${id}h`;
const vethNs = `wtpf${id}n`;
const subnet = `10.250.${randomInt(0, 256)}.${randomInt(0, 64) * 4}`;
const [a, b, c, d] = subnet.split(".").map(Number) as [number, number, number, number];
const hostAddr = `${a}.${b}.${c}.${d + 1}`;
const nsAddr = `${a}.${b}.${c}.${d + 2}`;

const ip = (...args: string[]): void => void execFileSync("ip", args, { stdio: "pipe" });
const tryIp = (...args: string[]): void => {
  try {
    ip(...args);
  } catch {}
};

const children: ChildProcess[] = [];

/** A node HTTP server inside the namespace answering `text`; resolves once it listens. */
async function serveInNetns(host: string, port: number, text: string): Promise<ChildProcess> {
  const script = `require("http").createServer((q, s) => s.end(${JSON.stringify(text)}))
    .listen(${port}, ${JSON.stringify(host)}, () => console.log("ready"));`;
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server on ${host}:${port} exited with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await once(child, "exit");
}

/** Resolves "open" if a TCP connection is accepted, else the error code (ECONNREFUSED…). */
async function probe(host: string, port: number): Promise<string> {
  const socket = connect({ host, port });
  try {
    await Promise.race([once(socket, "connect"), new Promise((_, reject) => setTimeout(() => reject(new Error("ETIMEDOUT")), 1000))]);
    return "open";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  } finally {
    socket.destroy();
  }
}

async function httpText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return await res.text();
  } catch (err) {
    return `error: ${String((err as Error).cause ?? err)}`;
  }
}

describe("envd port forwarder", () => {
  let envd: RunningEnvd;

  beforeAll(async () => {
    ip("netns", "add", netns);
    ip("link", "add", vethHost, "type", "veth", "peer", "name", vethNs);
    ip("link", "set", vethNs, "netns", netns);
    ip("addr", "add", `${hostAddr}/30`, "dev", vethHost);
    ip("link", "set", vethHost, "up");
    ip("-n", netns, "addr", "add", `${nsAddr}/30`, "dev", vethNs);
    ip("-n", netns, "link", "set", vethNs, "up");
    ip("-n", netns, "link", "set", "lo", "up");
    envd = await startEnvd({
      netns,
      args: ["--forward-ports", "--forward-scan-interval-ms", "200"],
      connectHost: nsAddr,
    });
  });

  afterAll(async () => {
    await Promise.allSettled([envd?.stop(), ...children.map(kill)]);
    tryIp("netns", "del", netns);
    // Deleting the namespace removes its end of the pair, and with it ours; be sure.
    tryIp("link", "del", vethHost);
    const left = execFileSync("ip", ["netns", "list"]).toString();
    expect(left).not.toContain(netns);
  });

  it("is reachable from the host across the veth", async () => {
    const res = await fetch(`${envd.url}/health`);
    expect(res.status).toBe(200);
  });

  it("forwards a loopback-only IPv4 service and stops when it exits", async () => {
    const server = await serveInNetns("127.0.0.1", 8123, "hi");
    await expect.poll(() => httpText(`http://${nsAddr}:8123/`), { timeout: 5000, interval: 100 }).toBe("hi");
    expect(envd.logs.some((l) => l.includes('"forwarding port"') && l.includes("8123"))).toBe(true);

    await kill(server);
    await expect.poll(() => probe(nsAddr, 8123), { timeout: 5000, interval: 100 }).toBe("ECONNREFUSED");
    expect(envd.logs.some((l) => l.includes('"stopped forwarding port"') && l.includes("8123"))).toBe(true);
  });

  it("forwards a service listening only on [::1] over the capsule's IPv4 address", async () => {
    await serveInNetns("::1", 8124, "hi6");
    await expect.poll(() => httpText(`http://${nsAddr}:8124/`), { timeout: 5000, interval: 100 }).toBe("hi6");
  });

  it("leaves a service that already listens on all addresses alone", async () => {
    await serveInNetns("0.0.0.0", 8125, "direct");
    expect(await httpText(`http://${nsAddr}:8125/`)).toBe("direct");
    // Several scans later there is still no forwarder for it.
    await new Promise((r) => setTimeout(r, 800));
    expect(envd.logs.some((l) => l.includes('"forwarding port"') && l.includes("8125"))).toBe(false);
    expect(envd.logs.some((l) => l.includes("cannot forward port"))).toBe(false);
  });

  it("never forwards envd's own port and keeps serving", async () => {
    expect(envd.logs.some((l) => l.includes('"forwarding port"') && l.includes(`"port":${envd.port}`))).toBe(false);
    expect((await fetch(`${envd.url}/health`)).status).toBe(200);
  });
});
