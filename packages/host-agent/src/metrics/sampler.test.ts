import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EnvdConnection } from "../envd/connection.js";
import { MetricsSampler } from "./sampler.js";

/** A stand-in for envd's GET /metrics over HTTP/2 cleartext. */
async function fakeEnvd(answer: "ok" | "error" | "hang", seen: string[] = []): Promise<{ url: string; server: Http2Server }> {
  const server = createServer((req, res) => {
    seen.push(String(req.headers["x-access-token"]));
    if (answer === "hang") return;
    if (answer === "error") {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 500, message: "broken" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ts: 1, cpu_count: 2, cpu_used_pct: 12.5, mem_total: 1000, mem_used: 400, disk_used: 7, disk_total: 9 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("MetricsSampler", () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0)) fn();
  });

  it("keeps one point per round for each capsule that answers, and skips the ones that do not", async () => {
    const seen: string[] = [];
    const targets = await Promise.all([fakeEnvd("ok", seen), fakeEnvd("error"), fakeEnvd("hang")]);
    const conns = targets.map(({ url }, i) => new EnvdConnection(url, `token-${i}`));
    for (const { server } of targets) cleanup.push(() => server.close());
    for (const conn of conns) cleanup.push(() => conn.close());
    const ids = ["cl-a", "cl-b", "cl-c"];
    let now = 1_000_000;
    let diskFails = false;
    const sampler = new MetricsSampler(
      {
        running: () => ids.map((id, i) => ({ id, envd: conns[i]! })),
        diskUsage: async () => {
          if (diskFails) throw new Error("du failed");
          return 4096;
        },
      },
      { timeoutMs: 200, now: () => now },
    );

    await sampler.sampleOnce();
    now += 1000;
    diskFails = true;
    await sampler.sampleOnce();

    expect(sampler.get("cl-a", "1s")).toEqual([
      { ts: 1_000_000, cpuPct: 12.5, memBytes: 400, diskBytes: 4096 },
      // A failed disk measurement keeps the last known size.
      { ts: 1_001_000, cpuPct: 12.5, memBytes: 400, diskBytes: 4096 },
    ]);
    expect(seen).toEqual(["token-0", "token-0"]);
    expect(sampler.get("cl-b", "1s")).toEqual([]);
    expect(sampler.get("cl-c", "1s")).toEqual([]);

    const flushed = sampler.flush("cl-a");
    expect(flushed["1s"]).toHaveLength(2);
    expect(flushed["30s"]).toHaveLength(1);
    expect(sampler.get("cl-a", "1s")).toEqual([]);
    sampler.drop("cl-a");
    expect(sampler.flush("cl-a")).toEqual({ "1s": [], "30s": [], "5m": [] });
  });

  it("samples on its own every interval once started, and stops", async () => {
    const target = await fakeEnvd("ok");
    const conn = new EnvdConnection(target.url, "t");
    cleanup.push(() => target.server.close(), () => conn.close());
    const sampler = new MetricsSampler({ running: () => [{ id: "cl-a", envd: conn }], diskUsage: async () => 0 }, { intervalMs: 50 });
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await sampler.stop();
    const count = sampler.get("cl-a", "1s").length;
    expect(count).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sampler.get("cl-a", "1s")).toHaveLength(count);
  });
});
