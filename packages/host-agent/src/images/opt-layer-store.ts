import { randomBytes } from "node:crypto";
import { readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import { createBuildDir, publishDir } from "./build-dir.js";
import { acquireFileLock } from "./file-lock.js";
import { removeTree } from "./remove-tree.js";
import { SharedBuilds } from "./shared-builds.js";
import { buildOptLayer, optLayerFiles, optLayerHash, readOptLayer, type OptLayerInfo, type OptLayerSources } from "./opt-layer.js";
import type { BuildPhase, BuildProgress, ProgressListener } from "./progress.js";

const TARGET = "opt-layer";

/**
 * The /opt/wrenn layers under `runtime/`: `opt-<hash>/`, one per distinct Node binary,
 * envd bundle and node-pty. Built atomically like images, under one lock file
 * (`runtime/opt.lock`) shared with other processes.
 */
export class OptLayerStore {
  private readonly builds = new SharedBuilds<OptLayerInfo, BuildProgress>();
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly sources: OptLayerSources,
    private readonly log?: { info(msg: string, fields?: Record<string, unknown>): void },
  ) {}

  async ensure(options: { signal?: AbortSignal; onProgress?: ProgressListener }): Promise<OptLayerInfo> {
    const files = await optLayerFiles(this.sources);
    const fullHash = await optLayerHash(files, this.hashes);
    const hash = fullHash.slice(0, 16);
    const target = join(this.dir, `opt-${hash}`);
    const current = await readOptLayer(target);
    if (current) return current;
    return this.builds.run(
      hash,
      async (signal, progress) => {
        const lock = await acquireFileLock(this.lockPath(), signal);
        try {
          const built = await readOptLayer(target);
          if (built) return built;
          const started = Date.now();
          const dir = await createBuildDir(this.dir, "opt");
          try {
            const report = (phase: BuildPhase) => (message: string, pct: number) => progress({ target: TARGET, phase, message, pct });
            const manifest = await buildOptLayer({ files, fullHash, dir, signal, progress: report("configure") });
            report("finalize")("publishing", 100);
            await publishDir(dir, target, this.dir, "opt");
            this.log?.info("built /opt/wrenn layer", { hash, ms: Date.now() - started, sizeBytes: manifest.sizeBytes });
            return { ...manifest, dir: target };
          } catch (err) {
            await removeTree(dir);
            if (signal.aborted || WrennError.is(err)) throw err;
            throw new WrennError("internal_error", `building the /opt/wrenn layer failed: ${(err as Error).message}`, { cause: err });
          }
        } finally {
          await lock.release();
        }
      },
      options,
    );
  }

  async list(): Promise<OptLayerInfo[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const layers = await Promise.all(names.filter((n) => /^opt-[0-9a-f]{16}$/.test(n)).map((n) => readOptLayer(join(this.dir, n))));
    return layers.filter((l): l is OptLayerInfo => l !== undefined).sort((a, b) => a.createdAt - b.createdAt);
  }

  async remove(hash: string): Promise<boolean> {
    if (!/^[0-9a-f]{16}$/.test(hash)) throw new WrennError("invalid_request", `opt layer hash "${hash}" must be 16 hex digits`);
    const lock = await acquireFileLock(this.lockPath());
    try {
      // Renamed aside first, so a half-removed layer never looks like a layer.
      const aside = join(this.dir, `.old-opt-${randomBytes(4).toString("hex")}`);
      try {
        await rename(join(this.dir, `opt-${hash}`), aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw err;
      }
      await removeTree(aside);
      return true;
    } finally {
      await lock.release();
    }
  }

  /** The lock file for `name` ("opt"): builds and removals of every layer share it. */
  lockPath(name = "opt"): string {
    return join(this.dir, `${name}.lock`);
  }
}
