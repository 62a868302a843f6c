import { arch, cpus, freemem, loadavg, totalmem } from "node:os";
import { readFile, statfs } from "node:fs/promises";
import { WRENN_VERSION, WrennError } from "@wrenn/core";
import type { EnvdConnection } from "../envd/connection.js";
import type { MetricPoint, Tier } from "../metrics/ring.js";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { KeyedMutex } from "../util/mutex.js";
import { adoptCapsules } from "./adopt.js";
import { createCapsule } from "./create.js";
import { destroyCapsule } from "./destroy.js";
import type { CapsuleEntry } from "./entry.js";
import { ManagerInternals, type ManagerDeps } from "./internals.js";
import { normalizePolicy, validateCreate } from "./limits.js";
import { pauseCapsule } from "./pause.js";
import { idleCapsules } from "./reaper.js";
import { resumeCapsule } from "./resume.js";
import { snapshotCapsule, snapshotTemplate } from "./snapshot.js";
import { SnapshotStore } from "./snapshot-store.js";
import type { CapsuleRecord, CapsuleService, CreateCapsuleInput, HostStats, NetworkPolicy, TemplateRecord } from "./types.js";

/**
 * The truth about what runs on this host. Lifecycle operations on one capsule are
 * serialized; different capsules proceed in parallel. State survives agent restarts
 * (state.json per capsule); the operations themselves live one per file beside this one.
 */
export class CapsuleManager implements CapsuleService {
  private readonly entries = new Map<string, CapsuleEntry>();
  private readonly locks = new KeyedMutex();
  private readonly internals: ManagerInternals;
  private readonly snapshots: SnapshotStore;
  private autoPaused: string[] = [];
  private reaper: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ManagerDeps) {
    this.internals = new ManagerInternals(deps);
    this.snapshots = new SnapshotStore(this.internals.snapshotsDir);
  }

  /** Re-adopts capsules from a previous run, removes debris, starts the idle reaper. */
  async start(options: { reapIntervalMs?: number } = {}): Promise<{ adopted: string[]; removed: string[] }> {
    await this.snapshots.cleanup();
    const { adopted, removed } = await adoptCapsules(this.internals);
    for (const entry of adopted) this.entries.set(entry.record.id, entry);
    this.reaper = setInterval(() => void this.reapIdle(), options.reapIntervalMs ?? 1000);
    this.reaper.unref();
    if (adopted.length || removed.length) this.deps.log.info("capsules adopted", { adopted: adopted.length, removed });
    return { adopted: adopted.map((e) => e.record.id), removed };
  }

  stop(): void {
    clearInterval(this.reaper);
    for (const entry of this.entries.values()) this.internals.closeEnvd(entry);
  }

  async create(input: CreateCapsuleInput, signal?: AbortSignal): Promise<CapsuleRecord> {
    const valid = validateCreate(input);
    if (this.entries.has(valid.id)) throw new WrennError("conflict", `capsule ${valid.id} already exists on this host`);
    const snapshot = this.deps.images.isBuiltin(valid.template) ? undefined : await this.snapshots.get(valid.template);
    if (!snapshot && !this.deps.images.isBuiltin(valid.template)) {
      const known = (await this.listTemplates()).map((t) => t.name).join(", ");
      throw new WrennError("not_found", `unknown template "${valid.template}"; templates on this host: ${known}`);
    }
    return this.locks.run(valid.id, () =>
      this.internals.timed("create", async () => {
        const entry = await createCapsule(this.internals, valid, snapshot, signal);
        this.entries.set(entry.record.id, entry);
        return { ...entry.record };
      }),
    );
  }

  async destroy(id: string): Promise<void> {
    const entry = this.entry(id);
    await this.locks.run(id, () => this.internals.timed("destroy", () => destroyCapsule(this.internals, entry)));
    this.entries.delete(id);
  }

  async pause(id: string): Promise<CapsuleRecord> {
    const entry = this.entry(id);
    await this.locks.run(id, () => this.internals.timed("pause", () => pauseCapsule(this.internals, entry)));
    return { ...entry.record };
  }

  async resume(id: string, timeoutSec?: number): Promise<CapsuleRecord> {
    const entry = this.entry(id);
    await this.locks.run(id, () => this.internals.timed("resume", () => resumeCapsule(this.internals, entry)));
    if (timeoutSec) entry.record.timeoutSec = timeoutSec;
    return { ...entry.record };
  }

  ping(id: string, timeoutSec?: number): CapsuleRecord {
    const entry = this.entry(id);
    if (timeoutSec !== undefined) entry.record.timeoutSec = timeoutSec;
    entry.record.lastActiveAt = Date.now();
    return { ...entry.record };
  }

  list(): { capsules: CapsuleRecord[]; autoPausedIds: string[] } {
    const autoPausedIds = this.autoPaused;
    this.autoPaused = [];
    return { capsules: [...this.entries.values()].map((e) => ({ ...e.record })), autoPausedIds };
  }

  get(id: string): CapsuleRecord {
    return { ...this.entry(id).record };
  }

  envd(id: string): EnvdConnection {
    const entry = this.entry(id);
    if (entry.record.status !== "running" || !entry.envd) {
      throw new WrennError("invalid_state", `capsule ${id} is ${entry.record.status}; resume it first`);
    }
    entry.record.lastActiveAt = Date.now();
    return entry.envd;
  }

  async updateNetwork(id: string, policy: NetworkPolicy): Promise<CapsuleRecord> {
    const entry = this.entry(id);
    const normalized = normalizePolicy(policy);
    await this.locks.run(id, async () => {
      if (entry.runtime.net) await this.deps.network.setPolicy(entry.runtime.net, normalized);
      entry.record.network = normalized;
      if (entry.runtime.net) entry.runtime.net.policy = normalized;
      await this.internals.save(entry);
    });
    return { ...entry.record };
  }

  async createSnapshot(id: string, name: string, overwrite: boolean): Promise<{ template: TemplateRecord; capsule: CapsuleRecord }> {
    const entry = this.entry(id);
    const template = await this.locks.run(id, () =>
      this.internals.timed("snapshot", () =>
        snapshotCapsule(this.internals, this.snapshots, entry, name, overwrite, (n) => this.deps.images.isBuiltin(n)),
      ),
    );
    return { template, capsule: { ...entry.record } };
  }

  async deleteSnapshot(name: string): Promise<void> {
    if (this.deps.images.isBuiltin(name)) throw new WrennError("invalid_request", `"${name}" is a built-in template and cannot be deleted`);
    await this.snapshots.remove(name);
  }

  async listTemplates(): Promise<TemplateRecord[]> {
    const images = (await this.deps.images.list()).map(
      (i): TemplateRecord => ({ name: i.name, kind: "image", sizeBytes: i.sizeBytes, createdAt: i.createdAt, baseTemplate: "", vcpus: 0, memoryMb: 0, contentHash: i.contentHash }),
    );
    return [...images, ...(await this.snapshots.list()).map(snapshotTemplate)];
  }

  metrics(id: string, tier: Tier): MetricPoint[] {
    this.entry(id);
    return this.deps.metrics?.get(id, tier) ?? [];
  }

  flushMetrics(id: string): Record<Tier, MetricPoint[]> {
    this.entry(id);
    return this.deps.metrics?.flush(id) ?? { "1s": [], "30s": [], "5m": [] };
  }

  /** Bytes used by a capsule's writable layer (for disk metrics). */
  diskUsage(id: string): Promise<number> {
    const entry = this.entries.get(id);
    return entry ? new CapsuleDisk(entry.dir).usedBytes() : Promise.resolve(0);
  }

  statusCounts(): Partial<Record<CapsuleRecord["status"], number>> {
    const counts: Partial<Record<CapsuleRecord["status"], number>> = {};
    for (const { record } of this.entries.values()) counts[record.status] = (counts[record.status] ?? 0) + 1;
    return counts;
  }

  /** Running capsules and their envd, for the metrics sampler. */
  running(): { id: string; envd: EnvdConnection }[] {
    const out: { id: string; envd: EnvdConnection }[] = [];
    for (const entry of this.entries.values()) {
      if (entry.record.status === "running" && entry.envd) out.push({ id: entry.record.id, envd: entry.envd });
    }
    return out;
  }

  async hostStats(): Promise<HostStats> {
    const disk = await statfs(this.deps.wrennDir);
    let running = 0;
    let paused = 0;
    let vcpus = 0;
    let memoryMb = 0;
    for (const { record } of this.entries.values()) {
      if (record.status === "paused") paused++;
      else if (record.status !== "stopped" && record.status !== "error") {
        running++;
        vcpus += record.vcpus;
        memoryMb += record.memoryMb;
      }
    }
    return {
      arch: arch(),
      cpuCores: cpus().length,
      memoryTotalBytes: totalmem(),
      memoryAvailableBytes: await memAvailable(),
      diskTotalBytes: disk.blocks * disk.bsize,
      diskAvailableBytes: disk.bavail * disk.bsize,
      capsulesRunning: running,
      capsulesPaused: paused,
      vcpusAllocated: vcpus,
      memoryAllocatedMb: memoryMb,
      load1m: loadavg()[0] ?? 0,
      agentVersion: WRENN_VERSION,
      runtime: this.deps.runtime.name,
    };
  }

  async terminate(pauseCapsules: boolean): Promise<void> {
    const ids = [...this.entries.keys()];
    await Promise.allSettled(
      ids.map((id) => {
        const status = this.entries.get(id)?.record.status;
        if (pauseCapsules) return status === "running" ? this.pause(id) : Promise.resolve();
        return this.destroy(id);
      }),
    );
  }

  private entry(id: string): CapsuleEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new WrennError("not_found", `capsule ${id} is not on this host`);
    return entry;
  }

  private async reapIdle(): Promise<void> {
    for (const entry of idleCapsules(this.entries.values(), Date.now())) {
      const id = entry.record.id;
      if (this.locks.busy(id)) continue;
      try {
        await this.pause(id);
        this.autoPaused.push(id);
        this.deps.log.info("capsule auto-paused after idle timeout", { capsuleId: id, timeoutSec: entry.record.timeoutSec });
      } catch (err) {
        // Try again after another full idle period rather than every second.
        entry.record.lastActiveAt = Date.now();
        this.deps.log.warn("auto-pause failed", { capsuleId: id, error: (err as Error).message });
      }
    }
  }
}

async function memAvailable(): Promise<number> {
  try {
    const text = await readFile("/proc/meminfo", "utf8");
    const kb = /MemAvailable:\s+(\d+)/.exec(text)?.[1];
    return kb ? Number(kb) * 1024 : freemem();
  } catch {
    return freemem();
  }
}
