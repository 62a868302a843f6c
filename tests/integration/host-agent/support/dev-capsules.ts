import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { arch, cpus, freemem, loadavg, totalmem } from "node:os";
import { WrennError, WRENN_VERSION } from "@wrenn/core";
import { startEnvd, type RunningEnvd } from "@wrenn/testkit";
import type {
  CapsuleRecord,
  CapsuleService,
  CapsuleStatus,
  CreateCapsuleInput,
  HostStats,
  NetworkPolicy,
  TemplateRecord,
} from "../../../../packages/host-agent/src/capsules/types.js";
import { EnvdConnection } from "../../../../packages/host-agent/src/envd/connection.js";
import { ensureOk, readAll } from "../../../../packages/host-agent/src/envd/http.js";
import type { MetricPoint, Tier } from "../../../../packages/host-agent/src/metrics/ring.js";
import { MetricsSampler, type SamplerOptions } from "../../../../packages/host-agent/src/metrics/sampler.js";

/**
 * SIGTERM first: envd then kills the processes it started, which SIGKILL would leave
 * behind as orphans on the test machine.
 */
async function stopEnvd(envd: RunningEnvd): Promise<void> {
  if (envd.child.exitCode === null && envd.child.signalCode === null) {
    const exited = once(envd.child, "exit");
    envd.child.kill("SIGTERM");
    const timer = new AbortController();
    await Promise.race([exited, sleep(5000, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
  }
  await envd.stop();
}

interface DevCapsule {
  record: CapsuleRecord;
  envd: RunningEnvd;
  conn: EnvdConnection;
}

/**
 * A CapsuleService for tests of the RPC layer: each capsule is a real envd process in
 * --dev mode on 127.0.0.1 (so its "ports" are host ports), initialised with a random
 * access token. Only the runtime-level parts are faked: pause and resume flip the status
 * (and drop the envd connection, as the real manager does before a checkpoint);
 * snapshots are refused with invalid_state.
 */
export class DevCapsules implements CapsuleService {
  readonly sampler: MetricsSampler;
  /** What diskUsage() reports, so tests can recognise it in the metrics. */
  diskBytes = 12_345;
  private readonly capsules = new Map<string, DevCapsule>();
  private autoPaused: string[] = [];

  constructor(samplerOptions: SamplerOptions = {}) {
    this.sampler = new MetricsSampler(this, samplerOptions);
  }

  async create(input: CreateCapsuleInput): Promise<CapsuleRecord> {
    if (this.capsules.has(input.id)) throw new WrennError("conflict", `capsule ${input.id} already exists`);
    const envd = await startEnvd();
    try {
      const accessToken = randomBytes(24).toString("hex");
      // Through an EnvdConnection that is closed right after, so no stray keep-alive
      // connection to envd outlives the setup (tests count connections to envd).
      const setup = new EnvdConnection(envd.url, "");
      let version: string;
      try {
        const body = JSON.stringify({
          accessToken,
          envVars: input.envs,
          ...(input.defaultUser ? { defaultUser: input.defaultUser } : {}),
          ...(input.defaultWorkdir ? { defaultWorkdir: input.defaultWorkdir } : {}),
        });
        const init = await setup.request({ method: "POST", path: "/init", headers: { "content-type": "application/json" }, body: Buffer.from(body) });
        await ensureOk(init, "POST /init");
        init.body.resume();
        const health = await setup.request({ method: "GET", path: "/health" });
        await ensureOk(health, "GET /health");
        version = (JSON.parse((await readAll(health.body, 1 << 16, () => new Error("too large"))).toString("utf8")) as { version: string }).version;
      } finally {
        setup.close();
      }
      const now = Date.now();
      const record: CapsuleRecord = {
        ...input,
        status: "running",
        createdAt: now,
        startedAt: now,
        lastActiveAt: now,
        envdVersion: version,
        address: "127.0.0.1",
        error: "",
      };
      this.capsules.set(input.id, { record, envd, conn: new EnvdConnection(envd.url, accessToken) });
      return { ...record };
    } catch (err) {
      await stopEnvd(envd);
      throw err;
    }
  }

  async destroy(id: string): Promise<void> {
    const capsule = this.entry(id);
    this.capsules.delete(id);
    capsule.conn.close();
    this.sampler.drop(id);
    await stopEnvd(capsule.envd);
  }

  async pause(id: string): Promise<CapsuleRecord> {
    const capsule = this.entry(id);
    if (capsule.record.status !== "running") throw new WrennError("invalid_state", `capsule ${id} is ${capsule.record.status}`);
    capsule.conn.close();
    capsule.record.status = "paused";
    return { ...capsule.record };
  }

  async resume(id: string, timeoutSec?: number): Promise<CapsuleRecord> {
    const capsule = this.entry(id);
    if (capsule.record.status !== "paused") throw new WrennError("invalid_state", `capsule ${id} is ${capsule.record.status}`);
    capsule.record.status = "running";
    // As the real manager does: the connection closed at pause is never reused.
    capsule.conn = new EnvdConnection(capsule.conn.baseUrl, capsule.conn.accessToken);
    if (timeoutSec) capsule.record.timeoutSec = timeoutSec;
    return { ...capsule.record };
  }

  ping(id: string, timeoutSec?: number): CapsuleRecord {
    const capsule = this.entry(id);
    if (timeoutSec !== undefined) capsule.record.timeoutSec = timeoutSec;
    capsule.record.lastActiveAt = Date.now();
    return { ...capsule.record };
  }

  list(): { capsules: CapsuleRecord[]; autoPausedIds: string[] } {
    const autoPausedIds = this.autoPaused;
    this.autoPaused = [];
    return { capsules: [...this.capsules.values()].map((c) => ({ ...c.record })), autoPausedIds };
  }

  get(id: string): CapsuleRecord {
    return { ...this.entry(id).record };
  }

  envd(id: string): EnvdConnection {
    const capsule = this.entry(id);
    if (capsule.record.status !== "running") throw new WrennError("invalid_state", `capsule ${id} is ${capsule.record.status}; resume it first`);
    capsule.record.lastActiveAt = Date.now();
    return capsule.conn;
  }

  async updateNetwork(id: string, policy: NetworkPolicy): Promise<CapsuleRecord> {
    const capsule = this.entry(id);
    capsule.record.network = policy;
    return { ...capsule.record };
  }

  async createSnapshot(id: string): Promise<{ template: TemplateRecord; capsule: CapsuleRecord }> {
    this.entry(id);
    throw new WrennError("invalid_state", "dev capsules cannot be snapshotted: snapshots need the gVisor runtime");
  }

  async deleteSnapshot(name: string): Promise<void> {
    throw new WrennError("not_found", `no snapshot named "${name}"`);
  }

  async listTemplates(): Promise<TemplateRecord[]> {
    return [];
  }

  metrics(id: string, tier: Tier): MetricPoint[] {
    this.entry(id);
    return this.sampler.get(id, tier);
  }

  flushMetrics(id: string): Record<Tier, MetricPoint[]> {
    this.entry(id);
    return this.sampler.flush(id);
  }

  async hostStats(): Promise<HostStats> {
    const records = [...this.capsules.values()].map((c) => c.record);
    const running = records.filter((r) => r.status === "running");
    return {
      arch: arch(),
      cpuCores: cpus().length,
      memoryTotalBytes: totalmem(),
      memoryAvailableBytes: freemem(),
      diskTotalBytes: 0,
      diskAvailableBytes: 0,
      capsulesRunning: running.length,
      capsulesPaused: records.filter((r) => r.status === "paused").length,
      vcpusAllocated: running.reduce((n, r) => n + r.vcpus, 0),
      memoryAllocatedMb: running.reduce((n, r) => n + r.memoryMb, 0),
      load1m: loadavg()[0] ?? 0,
      agentVersion: WRENN_VERSION,
      runtime: "dev",
    };
  }

  async terminate(pauseCapsules: boolean): Promise<void> {
    for (const id of [...this.capsules.keys()]) {
      if (pauseCapsules) await this.pause(id).catch(() => {});
      else await this.destroy(id);
    }
  }

  // ---- for the sampler and /metrics

  running(): { id: string; envd: EnvdConnection }[] {
    return [...this.capsules.values()].filter((c) => c.record.status === "running").map((c) => ({ id: c.record.id, envd: c.conn }));
  }

  async diskUsage(): Promise<number> {
    return this.diskBytes;
  }

  countByStatus(): Partial<Record<CapsuleStatus, number>> {
    const counts: Partial<Record<CapsuleStatus, number>> = {};
    for (const { record } of this.capsules.values()) counts[record.status] = (counts[record.status] ?? 0) + 1;
    return counts;
  }

  /** Stops the sampler and every envd. */
  async close(): Promise<void> {
    await this.sampler.stop();
    await Promise.all([...this.capsules.keys()].map((id) => this.destroy(id)));
  }

  private entry(id: string): DevCapsule {
    const capsule = this.capsules.get(id);
    if (!capsule) throw new WrennError("not_found", `capsule ${id} is not on this host`);
    return capsule;
  }
}
