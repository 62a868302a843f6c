import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { MetricsTier } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./support/agent.js";

/** TCP connections in state ESTABLISHED whose far end is 127.0.0.1:<port>. */
function establishedTo(port: number): number {
  const out = execFileSync("ss", ["-Htn", "state", "established", "dst", `127.0.0.1:${port}`], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.trim()).length;
}

describe("host agent: metrics", () => {
  let agent: TestAgent;
  let id: string;

  beforeAll(async () => {
    agent = await startTestAgent({ sampler: { intervalMs: 1000, start: true } });
    id = await agent.newCapsule();
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("samples running capsules every second into their rings, without marking them active", async () => {
    const activeBefore = agent.capsules.get(id).lastActiveAt;
    const deadline = Date.now() + 8000;
    let points: Awaited<ReturnType<typeof agent.client.getCapsuleMetrics>>["points"] = [];
    while (points.length < 2 && Date.now() < deadline) {
      await sleep(250);
      points = (await agent.client.getCapsuleMetrics({ capsuleId: id, tier: MetricsTier.METRICS_TIER_1S })).points;
    }
    expect(points.length).toBeGreaterThanOrEqual(2);
    const last = points.at(-1)!;
    expect(last.memBytes).toBeGreaterThan(0n);
    expect(last.diskBytes).toBe(BigInt(agent.capsules.diskBytes));
    expect(last.cpuPct).toBeGreaterThanOrEqual(0);
    expect(last.cpuPct).toBeLessThanOrEqual(100);
    expect(timestampMs(last.ts!)).toBeGreaterThan(timestampMs(points[0]!.ts!));
    expect(Math.abs(timestampMs(last.ts!) - Date.now())).toBeLessThan(5000);
    // getCapsuleMetrics goes to the manager, not envd: sampling alone kept the capsule idle.
    expect(agent.capsules.get(id).lastActiveAt).toBe(activeBefore);
  });

  it("flushes every tier and leaves the rings empty", async () => {
    await agent.capsules.sampler.stop();
    const flushed = await agent.client.flushCapsuleMetrics({ capsuleId: id });
    expect(flushed.tier1s.length).toBeGreaterThanOrEqual(2);
    expect(flushed.tier30s.length).toBeGreaterThanOrEqual(1);
    expect(flushed.tier5m.length).toBeGreaterThanOrEqual(1);
    expect((await agent.client.getCapsuleMetrics({ capsuleId: id })).points).toEqual([]);
    agent.capsules.sampler.start();
  });

  it("leaves no connection to envd open once the capsule's connection is closed (as before a checkpoint)", async () => {
    const port = Number(new URL(agent.capsules.envd(id).baseUrl).port);
    await agent.client.exec({ capsuleId: id, cmd: "true" });
    expect(establishedTo(port)).toBeGreaterThanOrEqual(1);
    await agent.client.pauseCapsule({ capsuleId: id });
    await sleep(1500); // a sampler round passes: a paused capsule is not sampled
    expect(establishedTo(port)).toBe(0);
    await agent.client.resumeCapsule({ capsuleId: id });
  });

  it("serves Prometheus metrics: process, capsules by status, RPCs by method and code, operation durations", async () => {
    await agent.client.exec({ capsuleId: id, cmd: "true" });
    await agent.client.exec({ capsuleId: "cl-0000000000000000000000000", cmd: "true" }).catch(() => {});
    agent.server.metrics.observeOperation("pause", 0.2, true);
    const res = await fetch(`${agent.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^wrenn_capsules\{status="running"\} 1$/m);
    expect(body).toMatch(/^wrenn_capsules\{status="paused"\} 0$/m);
    expect(body).toMatch(/^wrenn_agent_rpc_requests_total\{method="Exec",code="ok"\} [1-9]/m);
    expect(body).toMatch(/^wrenn_agent_rpc_requests_total\{method="Exec",code="not_found"\} 1$/m);
    expect(body).toMatch(/^wrenn_agent_rpc_duration_seconds_count\{method="Exec",code="ok"\} [1-9]/m);
    expect(body).toMatch(/^wrenn_capsule_operation_duration_seconds_count\{operation="pause",outcome="ok"\} 1$/m);
  });

  it("answers /health", async () => {
    const res = await fetch(`${agent.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
