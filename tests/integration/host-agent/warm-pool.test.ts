// Warm pools under gVisor: spares kept by the agent, claimed by CreateCapsule.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@wrenn/core";
import { CapsuleStatus, EgressMode, type CreateCapsuleRequest } from "@wrenn/proto/hostagent/v1";
import { startAgentProcess, type RunningAgent } from "@wrenn/testkit";
import { ownNetwork } from "./support/own-network.js";

const DATA_DIR = "/var/tmp/wrenn-test-agent-warm";
const NETWORK = ownNetwork({ pool: "10.27.0.0/16", chainPrefix: "WRWARM", vethPrefix: "ww" });
const ENV = { ...NETWORK.env, WRENN_REAP_INTERVAL_MS: "200", WRENN_WARM_POOLS: "minimal:1:512:1" };
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");

interface SavedState {
  record: { id: string };
  runtime: { accessToken: string; purpose?: string; runtimeId?: string };
}

/** Every state.json under the data dir, by directory (= runtime id). */
function states(): Map<string, SavedState> {
  const out = new Map<string, SavedState>();
  for (const dir of readdirSync(`${DATA_DIR}/capsules`)) {
    try {
      out.set(dir, JSON.parse(readFileSync(`${DATA_DIR}/capsules/${dir}/state.json`, "utf8")) as SavedState);
    } catch {
      // Being made or removed.
    }
  }
  return out;
}

/** Sandboxes runsc knows in this agent's state directory. */
function sandboxes(): string[] {
  try {
    return execFileSync("runsc", [`--root=${DATA_DIR}/runsc`, "list", "--quiet"], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("warm pools", () => {
  let agent: RunningAgent;
  const created = new Set<string>();

  const create = async (overrides: Partial<CreateCapsuleRequest> = {}) => {
    const capsuleId = overrides.capsuleId ?? newId("capsule");
    created.add(capsuleId);
    const began = performance.now();
    const res = await agent.client.createCapsule({ capsuleId, template: "minimal", vcpus: 1, memoryMb: 512, ...overrides });
    expect(res.capsule?.status).toBe(CapsuleStatus.RUNNING);
    expect(res.capsule?.capsuleId).toBe(capsuleId);
    return { id: capsuleId, fromWarmPool: res.fromWarmPool, ms: performance.now() - began };
  };
  const sh = async (capsuleId: string, script: string, user?: string) => {
    const res = await agent.client.exec({ capsuleId, cmd: "/bin/bash", args: ["-c", script], user });
    return { out: text(res.stdout), code: res.exitCode };
  };
  const pool = async (template = "minimal") => (await agent.client.listWarmPools({})).pools.find((p) => p.template === template);
  const untilReady = async (ready: number, template = "minimal"): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const p = await pool(template);
      if ((p?.ready ?? 0) >= ready && p?.starting === 0) return;
      await sleep(100);
    }
    throw new Error(`pool ${template} never had ${ready} ready: ${JSON.stringify(await pool(template), (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))}`);
  };

  beforeAll(async () => {
    rmSync(DATA_DIR, { recursive: true, force: true });
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: ENV });
  }, 900_000);

  afterAll(async () => {
    if (agent) {
      await Promise.allSettled([...created].map((capsuleId) => agent.client.destroyCapsule({ capsuleId })));
      await agent.client.setWarmPool({ template: "minimal", vcpus: 1, memoryMb: 512, size: 0 }).catch(() => {});
      await agent.stop();
    }
    const left = NETWORK.leftovers(DATA_DIR);
    if (left.mounts.length === 0) rmSync(DATA_DIR, { recursive: true, force: true });
    await NETWORK.remove();
    expect(left).toEqual({ netns: [], veths: [], rules: 0, mounts: [], runscProcesses: 0 });
  }, 120_000);

  it("fills the pool from WRENN_WARM_POOLS and keeps spares out of ListCapsules but in the host's allocations", async () => {
    await untilReady(1);
    expect((await agent.client.listCapsules({})).capsules).toEqual([]);
    const stats = await agent.client.getHostStats({});
    expect(stats).toMatchObject({ capsulesWarm: 1, capsulesRunning: 0, vcpusAllocated: 1 });
    expect(Number(stats.memoryAllocatedMb)).toBe(512);
    const spare = [...states().entries()].find(([, s]) => s.runtime.purpose === "pool")![0];
    // Not reachable by its id either.
    await expect(agent.client.exec({ capsuleId: spare, cmd: "true" })).rejects.toThrow(/not on this host/);
  });

  it("claims a spare: the requested id, a fresh token, the request's env, user, hostname and policy; then refills", async () => {
    await untilReady(1);
    const [spareDir, spare] = [...states().entries()].find(([, s]) => s.runtime.purpose === "pool")!;
    const { id, fromWarmPool, ms } = await create({
      envs: { FOO: "bar" },
      metadata: { team: "t1" },
      timeoutSec: 600,
      network: { egress: EgressMode.DENY_ALL, allowCidrs: [], allowDomains: [] },
    });
    expect(fromWarmPool).toBe(true);
    expect(ms).toBeLessThan(2000);
    const info = (await agent.client.listCapsules({})).capsules.find((c) => c.capsuleId === id)!;
    expect(info).toMatchObject({ timeoutSec: 600, metadata: { team: "t1" } });
    expect((await sh(id, 'echo "$FOO $(id -un) $(hostname)"; grep -c "$(hostname)" /etc/hosts; ls -A /tmp | wc -l')).out).toBe(`bar user ${id}\n1\n0\n`);
    expect((await sh(id, "curl -s -m 2 http://1.1.1.1/ -o /dev/null && echo out || echo blocked")).out).toContain("blocked");

    // The same sandbox, now under the public id; the pool-time token no longer opens envd.
    const claimed = states().get(spareDir)!;
    expect(claimed.record.id).toBe(id);
    expect(claimed.runtime).toMatchObject({ runtimeId: spareDir });
    expect(claimed.runtime.purpose).toBeUndefined();
    expect(claimed.runtime.accessToken).not.toBe(spare.runtime.accessToken);
    const envs = (token: string) => fetch(`http://${info.address}:49983/envs`, { headers: { "X-Access-Token": token } }).then((r) => r.status);
    expect(await envs(spare.runtime.accessToken)).toBe(401);
    expect(await envs(claimed.runtime.accessToken)).toBe(200);

    await untilReady(1);
    expect((await pool())!.claimed).toBeGreaterThanOrEqual(1n);
  });

  it("gives two concurrent creates two different spares", async () => {
    await agent.client.setWarmPool({ template: "minimal", vcpus: 1, memoryMb: 512, size: 2 });
    await untilReady(2);
    const spares = [...states().entries()].filter(([, s]) => s.runtime.purpose === "pool").map(([dir]) => dir);
    expect(spares).toHaveLength(2);
    const [a, b] = await Promise.all([create(), create()]);
    expect([a!.fromWarmPool, b!.fromWarmPool]).toEqual([true, true]);
    const all = states();
    const runtimeIds = [a!.id, b!.id].map((id) => [...all.entries()].find(([, s]) => s.record.id === id)![0]);
    expect(new Set(runtimeIds).size).toBe(2);
    expect(runtimeIds.sort()).toEqual(spares.sort());
    expect((await sh(a!.id, "hostname")).out.trim()).toBe(a!.id);
    expect((await sh(b!.id, "hostname")).out.trim()).toBe(b!.id);
    await untilReady(2);
  });

  it("starts a capsule as usual when no spare fits (other memory or disk size)", async () => {
    expect((await create({ memoryMb: 256 })).fromWarmPool).toBe(false);
    expect((await create({ diskMb: 2048 })).fromWarmPool).toBe(false);
    expect((await pool())!.ready).toBe(2);
  });

  it("drains a pool on SetWarmPool size 0 and on deleting its template", async () => {
    const { pool: set } = await agent.client.setWarmPool({ template: "minimal", vcpus: 1, memoryMb: 512, size: 0 });
    expect(set?.size).toBe(0);
    expect(await pool()).toBeUndefined();
    expect((await agent.client.getHostStats({})).capsulesWarm).toBe(0);
    expect([...states().values()].filter((s) => s.runtime.purpose)).toEqual([]);

    const source = (await create()).id;
    await sh(source, "echo snap > ~/mark");
    await agent.client.createSnapshot({ capsuleId: source, name: "itest-warm-snap", overwrite: true });
    const { pool: snapPool } = await agent.client.setWarmPool({ template: "itest-warm-snap", size: 1 });
    expect(snapPool).toMatchObject({ vcpus: 1, memoryMb: 512, size: 1 });
    await untilReady(1, "itest-warm-snap");
    const clone = await create({ template: "itest-warm-snap" });
    expect(clone.fromWarmPool).toBe(true);
    expect((await sh(clone.id, "cat ~/mark")).out).toBe("snap\n");
    await untilReady(1, "itest-warm-snap");
    await agent.client.deleteSnapshot({ name: "itest-warm-snap" });
    expect(await pool("itest-warm-snap")).toBeUndefined();
    expect((await agent.client.getHostStats({})).capsulesWarm).toBe(0);
    expect(sandboxes().sort()).toEqual([...states().keys()].sort());
  });

  it("keeps claimed capsules across an agent restart, and drains spares on shutdown", async () => {
    await agent.client.setWarmPool({ template: "minimal", vcpus: 1, memoryMb: 512, size: 1 });
    await untilReady(1);
    const claimed = await create({ envs: { KEEP: "me" } });
    expect(claimed.fromWarmPool).toBe(true);
    await untilReady(1);
    await agent.kill();
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: ENV });
    const list = await agent.client.listCapsules({});
    expect(list.capsules.find((c) => c.capsuleId === claimed.id)?.status).toBe(CapsuleStatus.RUNNING);
    expect((await sh(claimed.id, 'echo "$KEEP $(hostname)"')).out).toBe(`me ${claimed.id}\n`);
    // The killed agent's spare is gone; the saved size refills the pool.
    await untilReady(1);
    expect((await agent.client.getHostStats({})).capsulesWarm).toBe(1);

    const visible = list.capsules.length;
    await agent.stop();
    expect(sandboxes()).toHaveLength(visible);
    agent = await startAgentProcess({ dataDir: DATA_DIR, env: ENV });
    await agent.client.setWarmPool({ template: "minimal", vcpus: 1, memoryMb: 512, size: 0 });
    expect((await agent.client.listCapsules({})).capsules.map((c) => c.capsuleId)).toContain(claimed.id);
  }, 120_000);
});
