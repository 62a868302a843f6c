import { join } from "node:path";
import { WrennError, newId } from "@wrenn/core";
import type { EnvdConnection } from "../envd/connection.js";
import type { MetricPoint, Tier } from "../metrics/ring.js";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { KeyedMutex } from "../util/mutex.js";
import { adoptCapsules } from "./adopt.js";
import { claimSpare, warmSpare } from "./claim.js";
import { createCapsule } from "./create.js";
import { destroyCapsule } from "./destroy.js";
import type { CapsuleEntry, CapsulePurpose } from "./entry.js";
import { imageTemplate } from "./image-template.js";
import { hostStats } from "./host-stats.js";
import { ManagerInternals, type ManagerDeps } from "./internals.js";
import { DEFAULT_DISK_MB, OWN_DEFAULT_VCPUS, normalizePolicy, ownCapsuleInput, validateCreate } from "./limits.js";
import { pauseCapsule } from "./pause.js";
import { idleCapsules } from "./reaper.js";
import { resumeCapsule } from "./resume.js";
import { snapshotCapsule } from "./snapshot.js";
import { SnapshotStore, type StoredSnapshot } from "./snapshot-store.js";
import { TemplateCatalog } from "./templates.js";
import type { CapsuleRecord, CapsuleService, CreateCapsuleInput, HostStats, NetworkPolicy, TemplateRecord } from "./types.js";
import { WarmPools, type PoolKey, type WarmPoolStatus } from "./warm-pool.js";
import type { BuildHost, TemplateDefaults } from "../builds/types.js";

/**
 * The truth about what runs on this host. Lifecycle operations on one capsule are
 * serialized; different capsules proceed in parallel. State survives agent restarts
 * (state.json per capsule); the operations themselves live one per file beside this one.
 *
 * Besides the capsules callers asked for, the manager runs capsules for itself
 * (`CapsulePurpose`): warm-pool spares and template-build capsules. They count toward the
 * host's allocations but are never listed, and no RPC reaches them by id.
 */
export class CapsuleManager implements CapsuleService, BuildHost {
  private readonly entries = new Map<string, CapsuleEntry>();
  private readonly locks = new KeyedMutex();
  private readonly internals: ManagerInternals;
  private readonly snapshots: SnapshotStore;
  private readonly templates: TemplateCatalog;
  readonly pools: WarmPools;
  private autoPaused: string[] = [];
  private reaper: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ManagerDeps) {
    this.internals = new ManagerInternals(deps);
    this.snapshots = new SnapshotStore(this.internals.snapshotsDir);
    this.templates = new TemplateCatalog(deps.images, this.snapshots, deps.defaultUser);
    this.pools = new WarmPools(
      { start: (key) => this.startSpare(key), destroy: (id) => this.destroyOwn(id) },
      deps.log,
      join(deps.wrennDir, "warm-pools.json"),
    );
  }

  /**
   * Re-adopts capsules from a previous run, removes debris, starts the idle reaper and
   * the warm pools (`warmPools`: sizes to use where none was set over RPC).
   */
  async start(options: { reapIntervalMs?: number; warmPools?: (PoolKey & { size: number })[] } = {}): Promise<{ adopted: string[]; removed: string[] }> {
    await this.snapshots.cleanup();
    const { adopted, removed } = await adoptCapsules(this.internals);
    for (const entry of adopted) this.entries.set(entry.record.id, entry);
    this.reaper = setInterval(() => void this.reapIdle(), options.reapIntervalMs ?? 1000);
    this.reaper.unref();
    if (adopted.length || removed.length) this.deps.log.info("capsules adopted", { adopted: adopted.length, removed });
    const pools: (PoolKey & { size: number })[] = [];
    for (const pool of options.warmPools ?? []) {
      try {
        pools.push({ ...(await this.templates.poolKey(pool)), size: pool.size });
      } catch (err) {
        this.deps.log.warn("ignoring a configured warm pool", { ...pool, error: (err as Error).message });
      }
    }
    await this.pools.start(pools);
    return { adopted: adopted.map((e) => e.record.id), removed };
  }

  /**
   * The image rootfs and /opt/wrenn layer directories this host still needs: those of every
   * capsule (running, paused, being made) and snapshot. Image GC keeps them.
   */
  async layersInUse(): Promise<Set<string>> {
    const used = new Set(await this.snapshots.layersInUse());
    for (const { runtime } of this.entries.values()) used.add(runtime.lowerDir).add(runtime.optDir);
    return used;
  }

  /** Stops the reaper and drops envd connections; capsules keep running. */
  stop(): void {
    clearInterval(this.reaper);
    for (const entry of this.entries.values()) this.internals.closeEnvd(entry);
  }

  async create(input: CreateCapsuleInput, signal?: AbortSignal): Promise<CapsuleRecord & { fromWarmPool?: boolean }> {
    const valid = validateCreate(input);
    if (this.entries.has(valid.id)) throw new WrennError("conflict", `capsule ${valid.id} already exists on this host`);
    const template = await this.templates.acquire(valid.template);
    try {
      return await this.locks.run(valid.id, async () => {
        if (this.entries.has(valid.id)) throw new WrennError("conflict", `capsule ${valid.id} already exists on this host`);
        const claimed = await this.claim(valid, template);
        if (claimed) return claimed;
        return this.internals.timed("create", async () => {
          const entry = await createCapsule(this.internals, valid, template, signal);
          this.entries.set(entry.record.id, entry);
          return { ...entry.record };
        });
      });
    } finally {
      await this.templates.release(template);
    }
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
    return { capsules: this.visible().map((e) => ({ ...e.record })), autoPausedIds };
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
    // Spares of the replaced version must not be handed out any more.
    await this.pools.templateChanged(name, false);
    return { template, capsule: { ...entry.record } };
  }

  /** Deletes a template made on this host; its warm pools are drained and removed first. */
  async deleteSnapshot(name: string): Promise<void> {
    if (this.deps.images.isBuiltin(name)) throw new WrennError("invalid_request", `"${name}" is a built-in template and cannot be deleted`);
    if (!(await this.snapshots.get(name))) throw new WrennError("not_found", `no snapshot named "${name}"`);
    await this.pools.templateChanged(name, true);
    await this.snapshots.remove(name);
  }

  listTemplates(): Promise<TemplateRecord[]> {
    return this.templates.list();
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
    for (const { record } of this.visible()) counts[record.status] = (counts[record.status] ?? 0) + 1;
    return counts;
  }

  /** Running capsules and their envd, for the metrics sampler (the agent's own are not sampled). */
  running(): { id: string; envd: EnvdConnection }[] {
    const out: { id: string; envd: EnvdConnection }[] = [];
    for (const entry of this.visible()) {
      if (entry.record.status === "running" && entry.envd) out.push({ id: entry.record.id, envd: entry.envd });
    }
    return out;
  }

  hostStats(): Promise<HostStats> {
    return hostStats(this.entries.values(), this.deps.wrennDir, this.deps.runtime.name);
  }

  /** Destroys (or pauses) every capsule; warm pools are drained for good, builds lose their capsules. */
  async terminate(pauseCapsules: boolean): Promise<void> {
    await this.pools.drain();
    const own = [...this.entries.values()].filter((e) => e.runtime.purpose).map((e) => e.record.id);
    const ids = this.visible().map((e) => e.record.id);
    await Promise.allSettled([
      ...own.map((id) => this.destroyOwn(id)),
      ...ids.map((id) => {
        const status = this.entries.get(id)?.record.status;
        if (pauseCapsules) return status === "running" ? this.pause(id) : Promise.resolve();
        return this.destroy(id);
      }),
    ]);
  }

  // ------------------------------------------------------------ warm pools

  /** Sets the pool for (template, vcpus, memory); vcpus and memory 0 mean the defaults. */
  async setWarmPool(key: PoolKey, size: number): Promise<WarmPoolStatus> {
    return this.pools.set(await this.templates.poolKey(key), size);
  }

  listWarmPools(): WarmPoolStatus[] {
    return this.pools.list();
  }

  /**
   * Drains the warm pools (their spares are destroyed) and drops every envd connection;
   * the callers' capsules keep running. For agent shutdown.
   */
  async shutdown(): Promise<void> {
    await this.pools.drain();
    await Promise.allSettled([...this.entries.values()].filter((e) => e.runtime.purpose).map((e) => this.destroyOwn(e.record.id)));
    this.stop();
  }

  /** Hands a ready spare to `input` when one fits; undefined = make a capsule as usual. */
  private async claim(input: CreateCapsuleInput, template: StoredSnapshot | undefined): Promise<(CapsuleRecord & { fromWarmPool: true }) | undefined> {
    // Spares have the default disk: a different size cannot be applied to a running capsule.
    if (input.diskMb !== DEFAULT_DISK_MB) return undefined;
    const pinned = template && template.kind !== "image";
    const key = { template: input.template, vcpus: pinned ? template.vcpus : input.vcpus, memoryMb: pinned ? template.memoryMb : input.memoryMb };
    const spareId = this.pools.take(key);
    const spare = spareId ? this.entries.get(spareId) : undefined;
    if (!spareId || !spare) return undefined;
    let phases: Record<string, number>;
    try {
      phases = await this.locks.run(spareId, () => this.internals.timed("create", () => claimSpare(this.internals, spare, input, template)));
    } catch (err) {
      this.deps.log.warn("could not claim a warm-pool capsule; starting one instead", { capsuleId: input.id, spare: spareId, error: (err as Error).message });
      void this.destroyOwn(spareId).catch(() => {});
      return undefined;
    }
    this.entries.delete(spareId);
    this.entries.set(input.id, spare);
    this.deps.log.info("capsule claimed from warm pool", { capsuleId: input.id, runtimeId: spareId, template: input.template, ...phases });
    return { ...spare.record, fromWarmPool: true };
  }

  private async startSpare(key: PoolKey): Promise<string> {
    const template = await this.templates.acquire(key.template);
    try {
      const input = validateCreate({ ...ownCapsuleInput(newId("capsule"), key.template), vcpus: key.vcpus, memoryMb: key.memoryMb });
      const id = await this.createOwn(input, template, "pool");
      try {
        await warmSpare(this.ownEnvd(id));
      } catch (err) {
        await this.destroyOwn(id).catch(() => {});
        throw err;
      }
      return id;
    } finally {
      await this.templates.release(template);
    }
  }

  // ------------------------------------------------------------ template builds

  /**
   * Starts a build capsule from `base` (hidden, never reaped); resolves with its id. The
   * caller must `destroyOwn` it whatever happens.
   */
  async startBuildCapsule(base: string, vcpus: number, memoryMb: number, signal?: AbortSignal): Promise<string> {
    const template = await this.templates.acquire(base);
    try {
      const input = validateCreate({ ...ownCapsuleInput(newId("capsule"), base), vcpus: vcpus || OWN_DEFAULT_VCPUS, memoryMb: memoryMb || 1024 });
      return await this.createOwn(input, template, "build", signal);
    } finally {
      await this.templates.release(template);
    }
  }

  /** The envd of one of the agent's own capsules (no activity bookkeeping). */
  ownEnvd(id: string): EnvdConnection {
    const entry = this.entries.get(id);
    if (!entry?.runtime.purpose || !entry.envd) throw new WrennError("not_found", `capsule ${id} is not one of the agent's own running capsules`);
    return entry.envd;
  }

  /** The template's kind ("image", "snapshot") or undefined when there is no such template. */
  templateKind(name: string): Promise<TemplateRecord["kind"] | undefined> {
    return this.templates.kind(name);
  }

  isBuiltinTemplate(name: string): boolean {
    return this.templates.isBuiltin(name);
  }

  /** Env, user and workdir that capsules from `name` get when the request names none. */
  templateDefaults(name: string): Promise<TemplateDefaults> {
    return this.templates.defaults(name);
  }

  /**
   * Publishes a build capsule as template `name` (replacing any template of that name in
   * one step) with `defaults` for the capsules made from it. "snapshot" keeps its
   * processes running (a checkpoint); "image" keeps only its files. Warm-pool spares of
   * the old version are destroyed.
   */
  async publishBuild(id: string, name: string, kind: "snapshot" | "image", defaults: TemplateDefaults): Promise<TemplateRecord> {
    const entry = this.entries.get(id);
    if (entry?.runtime.purpose !== "build") throw new WrennError("not_found", `build capsule ${id} is gone`);
    const template = await this.locks.run(id, async () => {
      Object.assign(entry.record, { envs: defaults.envs, defaultUser: defaults.user, defaultWorkdir: defaults.workdir });
      if (kind === "image") return imageTemplate(this.internals, this.snapshots, entry, name);
      return this.internals.timed("snapshot", () => snapshotCapsule(this.internals, this.snapshots, entry, name, true, (n) => this.deps.images.isBuiltin(n)));
    });
    await this.pools.templateChanged(name, false);
    return template;
  }

  /** Destroys one of the agent's own capsules (spare or build). Idempotent. */
  async destroyOwn(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry?.runtime.purpose) return;
    await this.locks.run(id, () => this.internals.timed("destroy", () => destroyCapsule(this.internals, entry)));
    this.entries.delete(id);
  }

  // ------------------------------------------------------------ internals

  private async createOwn(input: CreateCapsuleInput, template: StoredSnapshot | undefined, purpose: CapsulePurpose, signal?: AbortSignal): Promise<string> {
    return this.locks.run(input.id, async () => {
      const entry = await createCapsule(this.internals, input, template, signal, purpose);
      this.entries.set(input.id, entry);
      return input.id;
    });
  }

  /** The capsules callers asked for (not the agent's own). */
  private visible(): CapsuleEntry[] {
    return [...this.entries.values()].filter((e) => !e.runtime.purpose);
  }

  private entry(id: string): CapsuleEntry {
    const entry = this.entries.get(id);
    if (!entry || entry.runtime.purpose) throw new WrennError("not_found", `capsule ${id} is not on this host`);
    return entry;
  }

  private async reapIdle(): Promise<void> {
    for (const entry of idleCapsules(this.visible(), Date.now())) {
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
