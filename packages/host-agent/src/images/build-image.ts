import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import type { ImageRecipe } from "./recipes.js";
import type { BuildPhase } from "./progress.js";
import type { BuildLog } from "./build-log.js";
import type { FileLock } from "./file-lock.js";
import { runLogged } from "./build-command.js";
import { debootstrap } from "./debootstrap.js";
import { aptInstall } from "./apt-install.js";
import { configureRootImage, trimRootfs, writeSystemFiles } from "./configure.js";
import { diskUsage } from "./disk-usage.js";
import { disableUnsafeIo, enableUnsafeIo, syncToDisk } from "./unsafe-io.js";

/** `image.json`, next to `rootfs/` in every image directory. */
export interface ImageManifest {
  name: string;
  kind: "image";
  contentHash: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  sizeBytes: number;
  recipe: ImageRecipe;
  buildMs: number;
}

export interface ImageBuild {
  recipe: ImageRecipe;
  contentHash: string;
  /** The build directory; `rootfs/` and `image.json` are created inside. */
  dir: string;
  mirror: string;
  /** rootfs of the base image, for derived recipes. */
  baseRootfs?: string;
  /** Locks the base image while it is copied, so no other process replaces it meanwhile. */
  lockBase?: (signal: AbortSignal) => Promise<FileLock>;
  log: BuildLog;
  signal: AbortSignal;
  progress: (phase: BuildPhase, message: string, pct?: number) => void;
}

/**
 * Builds one image into `b.dir`: a root image with debootstrap, a derived one by copying
 * its base and installing packages; then system files, trimming and `image.json`. Any
 * failure other than an abort becomes WrennError `internal_error` naming the phase and
 * quoting the build log.
 */
export async function buildImage(b: ImageBuild): Promise<ImageManifest> {
  const started = Date.now();
  const rootfs = join(b.dir, "rootfs");
  let phase: BuildPhase = b.recipe.base ? "packages" : "debootstrap";
  // Phase shares of the overall percentage.
  const span: Record<BuildPhase, [number, number]> = b.recipe.base
    ? { debootstrap: [0, 0], packages: [0, 88], configure: [88, 92], finalize: [92, 100] }
    : { debootstrap: [0, 90], packages: [90, 90], configure: [90, 96], finalize: [96, 100] };
  let pct = 0;
  const report = (message: string, phasePct?: number): void => {
    if (phasePct !== undefined) {
      const [from, to] = span[phase];
      pct = Math.max(pct, Math.round(from + ((to - from) * phasePct) / 100));
    }
    b.progress(phase, message, phasePct === undefined ? undefined : pct);
  };
  const enter = (next: BuildPhase, message: string): void => {
    phase = next;
    b.log.step(`${next}: ${message}`);
    report(message, 0);
  };
  try {
    if (b.recipe.base) {
      if (!b.baseRootfs) throw new Error(`template ${b.recipe.name} needs its base image ${b.recipe.base}`);
      enter("packages", `copying ${b.recipe.base}`);
      const baseLock = await b.lockBase?.(b.signal);
      try {
        await runLogged({ cmd: "cp", args: ["-a", "--reflink=auto", b.baseRootfs, rootfs], log: b.log, signal: b.signal });
      } finally {
        await baseLock?.release();
      }
      await enableUnsafeIo(rootfs);
      await aptInstall({ recipe: b.recipe, rootfs, mirror: b.mirror, log: b.log, signal: b.signal, onStep: (s) => report(s.message, s.pct) });
      enter("configure", "writing system files");
      await writeSystemFiles(rootfs);
    } else {
      enter("debootstrap", `debootstrap ${b.recipe.suite} from ${b.mirror}`);
      await enableUnsafeIo(rootfs);
      await debootstrap({ recipe: b.recipe, target: rootfs, mirror: b.mirror, log: b.log, signal: b.signal, onStep: (s) => report(s.message, s.pct) });
      enter("configure", "system files, default user, /opt/wrenn");
      await configureRootImage(rootfs, b.log, b.signal);
    }
    enter("finalize", "trimming caches, syncing, measuring size");
    await disableUnsafeIo(rootfs);
    await trimRootfs(rootfs);
    await syncToDisk(rootfs, b.signal);
    const manifest: ImageManifest = {
      name: b.recipe.name,
      kind: "image",
      contentHash: b.contentHash,
      createdAt: Date.now(),
      sizeBytes: await diskUsage(rootfs, b.signal),
      recipe: b.recipe,
      buildMs: Date.now() - started,
    };
    await writeFile(join(b.dir, "image.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    b.log.step(`built ${b.recipe.name} in ${manifest.buildMs} ms, ${manifest.sizeBytes} bytes`);
    report("done", 100);
    return manifest;
  } catch (err) {
    if (b.signal.aborted) {
      b.log.step(`aborted during ${phase}`);
      throw b.signal.reason;
    }
    b.log.line(`error: ${(err as Error).message}`);
    const tail = b.log.lastLines(6).join(" | ");
    throw new WrennError("internal_error", `building template ${b.recipe.name} failed at ${phase}: ${tail}; full log: ${b.log.path}`, { cause: err });
  }
}
