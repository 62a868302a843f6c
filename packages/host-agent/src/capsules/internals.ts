import { join } from "node:path";
import { EnvdConnection, ENVD_PORT } from "../envd/connection.js";
import type { Runtime, CapsuleBundle } from "../runtime/runtime.js";
import type { MetricPoint, Tier } from "../metrics/ring.js";
import type { ImageSource, NetworkProvider } from "./deps.js";
import type { CapsuleEntry } from "./entry.js";
import { runtimeIdOf, saveEntry } from "./entry.js";
import { initEnvd, waitForEnvd } from "./envd-boot.js";

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Per-capsule metrics kept by the sampler. */
export interface MetricsStore {
  get(id: string, tier: Tier): MetricPoint[];
  flush(id: string): Record<Tier, MetricPoint[]>;
  drop(id: string): void;
}

/** Timing hooks for Prometheus histograms (create/pause/resume durations). */
export type OperationObserver = (operation: "create" | "pause" | "resume" | "snapshot" | "destroy", seconds: number, ok: boolean) => void;

export interface ManagerDeps {
  wrennDir: string;
  runtime: Runtime;
  images: ImageSource;
  network: NetworkProvider;
  metrics?: MetricsStore;
  log: Logger;
  observe?: OperationObserver;
  /** How long to wait for envd after boot or restore. */
  envdReadyTimeoutMs?: number;
  /** Default user for processes when the request names none. */
  defaultUser?: string;
  /**
   * A capsule claimed from a warm pool keeps the spare's hostname instead of being renamed
   * to its own id: a claim then costs ~10 ms instead of ~45 ms (see ADR 0005).
   */
  keepSpareHostname?: boolean;
}

/** envd's command line inside the capsule; tini (as subreaper) reaps orphans. */
export const CAPSULE_INIT = [
  "/usr/bin/tini",
  "-s",
  "-g",
  "--",
  "/opt/wrenn/node/bin/node",
  "/opt/wrenn/envd/envd.mjs",
  "--port",
  String(ENVD_PORT),
];

const CAPSULE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"];

/** What the operation files (create.ts, pause.ts, …) share with the manager. */
export class ManagerInternals {
  readonly capsulesDir: string;
  readonly snapshotsDir: string;

  constructor(readonly deps: ManagerDeps) {
    this.capsulesDir = join(deps.wrennDir, "capsules");
    this.snapshotsDir = join(deps.wrennDir, "snapshots");
  }

  bundle(entry: CapsuleEntry): CapsuleBundle {
    const net = entry.runtime.net;
    if (!net) throw new Error(`capsule ${entry.record.id} has no network`);
    const id = runtimeIdOf(entry);
    return {
      id,
      dir: entry.dir,
      rootfs: join(entry.dir, "rootfs"),
      optDir: entry.runtime.optDir,
      netnsPath: net.netnsPath,
      vcpus: entry.record.vcpus,
      memoryMb: entry.record.memoryMb,
      pidsLimit: 4096,
      hostname: id,
      env: CAPSULE_ENV,
      args: CAPSULE_INIT,
    };
  }

  baseUrl(entry: CapsuleEntry): string {
    return `http://${entry.runtime.net!.capsuleIp}:${ENVD_PORT}`;
  }

  /**
   * Waits for envd and sends /init. `previousToken` is the token envd already holds (a
   * restored capsule, or a capsule restored from a snapshot taken with another token).
   */
  async bootEnvd(entry: CapsuleEntry, previousToken: string | undefined, signal?: AbortSignal, phase?: (name: string) => void): Promise<void> {
    const baseUrl = this.baseUrl(entry);
    const version = await waitForEnvd(baseUrl, this.deps.envdReadyTimeoutMs ?? 30_000, signal);
    phase?.("envd_health_ms");
    await initEnvd(
      baseUrl,
      {
        accessToken: entry.runtime.accessToken,
        envVars: entry.record.envs,
        defaultUser: entry.record.defaultUser,
        defaultWorkdir: entry.record.defaultWorkdir,
        memoryLimitMb: entry.record.memoryMb,
      },
      previousToken,
    );
    phase?.("envd_init_ms");
    await this.deps.runtime.limitCpu(runtimeIdOf(entry), entry.record.vcpus);
    entry.record.envdVersion = version;
    entry.record.address = entry.runtime.net!.capsuleIp;
    // A closed connection never reopens (calls on a stale copy fail), so every boot gets
    // a new one and nothing left over can hold a TCP connection into the capsule.
    entry.envd?.close();
    entry.envd = new EnvdConnection(baseUrl, entry.runtime.accessToken);
  }

  /** Drops every connection to the capsule's envd (a checkpoint refuses open TCP connections). */
  closeEnvd(entry: CapsuleEntry): void {
    entry.envd?.close();
  }

  save(entry: CapsuleEntry): Promise<void> {
    return saveEntry(entry);
  }

  async timed<T>(operation: Parameters<OperationObserver>[0], fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const result = await fn();
      this.deps.observe?.(operation, (performance.now() - start) / 1000, true);
      return result;
    } catch (err) {
      this.deps.observe?.(operation, (performance.now() - start) / 1000, false);
      throw err;
    }
  }
}
