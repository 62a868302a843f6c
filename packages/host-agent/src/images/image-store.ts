import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import { DEFAULT_DEBIAN_MIRROR, isBuiltinTemplate, recipeFor } from "./recipes.js";
import { imageContentHash } from "./content-hash.js";
import { buildImage, type ImageManifest } from "./build-image.js";
import { BuildLog } from "./build-log.js";
import { createBuildDir, leftoverDirs, publishDir, removeStaleBuilds } from "./build-dir.js";
import { acquireFileLock, type FileLock } from "./file-lock.js";
import { removeTree } from "./remove-tree.js";
import { SharedBuilds } from "./shared-builds.js";
import { defaultEnvdBundle, type OptLayerInfo } from "./opt-layer.js";
import { OptLayerStore } from "./opt-layer-store.js";
import type { BuildProgress, ProgressListener } from "./progress.js";

export interface ImageStoreLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ImageStoreOptions {
  /** The agent's data directory; images go to `images/`, /opt/wrenn layers to `runtime/`. */
  wrennDir: string;
  /** Debian mirror for builds: default `$WRENN_DEBIAN_MIRROR`, else http://deb.debian.org/debian. */
  mirror?: string;
  /** envd's bundle for the /opt/wrenn layer; default this checkout's packages/envd/dist/envd.mjs. */
  envdBundle?: string;
  /** Node binary for the /opt/wrenn layer; default the one running the agent. */
  nodeBinary?: string;
  log?: ImageStoreLogger;
}

export interface EnsureOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** A built image as stored in `images/<name>/<hash>/image.json`, plus where its rootfs is. */
export interface ImageInfo extends ImageManifest {
  rootfs: string;
}

/** One version of a template image on disk; `legacy` is the pre-versioning layout. */
interface ImageVersion extends ImageInfo {
  dir: string;
  legacy: boolean;
}

/**
 * Template images and /opt/wrenn layers of one host, on disk under `wrennDir`:
 *
 *   images/<name>/<hash>/{rootfs/,image.json}  a version of a built-in template image (read-only lower layer)
 *   images/<name>.build.log                    log of the latest build of <name>
 *   runtime/opt-<hash>/                        envd + Node, bind-mounted read-only at /opt/wrenn
 *
 * Versions are content-addressed (the first 16 hex digits of the recipe's hash), so a
 * rebuild after an upgrade never touches the rootfs under running or paused capsules and
 * snapshots: they record the rootfs they were made from. removeUnused drops the old ones.
 *
 * Builds are atomic (temp dir + rename), shared between concurrent callers in this
 * process, serialized across processes by lock files, and abortable.
 *
 * @example
 *   const images = new ImageStore({ wrennDir: "/var/lib/wrenn" });
 *   const render = renderProgress();
 *   const image = await images.ensureImage("python", { onProgress: render }).finally(render.done);
 *   const opt = await images.ensureOptLayer();
 *   // runtime: overlay lowerdir=image.rootfs, bind opt.dir at /opt/wrenn (ro)
 */
export class ImageStore {
  readonly imagesDir: string;
  readonly runtimeDir: string;
  readonly mirror: string;
  private readonly log: ImageStoreLogger | undefined;
  private readonly builds = new SharedBuilds<ImageInfo, BuildProgress>();
  private readonly optLayers: OptLayerStore;
  private initialized: Promise<void> | undefined;

  constructor(options: ImageStoreOptions) {
    this.imagesDir = join(options.wrennDir, "images");
    this.runtimeDir = join(options.wrennDir, "runtime");
    this.mirror = checkMirror(options.mirror ?? process.env.WRENN_DEBIAN_MIRROR ?? DEFAULT_DEBIAN_MIRROR);
    this.log = options.log;
    this.optLayers = new OptLayerStore(
      this.runtimeDir,
      { nodeBinary: options.nodeBinary ?? process.execPath, envdBundle: options.envdBundle ?? defaultEnvdBundle() },
      options.log,
    );
  }

  isBuiltin(name: string): boolean {
    return isBuiltinTemplate(name);
  }

  /** Where the current version of a built-in template's rootfs lives (built or not); `not_found` for other names. */
  rootfsPath(name: string): string {
    recipeFor(name);
    return join(this.versionDir(name, imageContentHash(name)), "rootfs");
  }

  /** The content hash `name`'s image must have to be current. */
  expectedHash(name: string): string {
    return imageContentHash(name);
  }

  /**
   * Creates the directories and removes what crashed builds left behind. Runs once;
   * ensureImage and ensureOptLayer call it, the agent may call it at start.
   */
  init(): Promise<void> {
    this.initialized ??= (async () => {
      await mkdir(this.imagesDir, { recursive: true });
      await mkdir(this.runtimeDir, { recursive: true });
      const removed = [
        ...(await removeStaleBuilds(this.imagesDir, (n) => this.lockPath(n))),
        ...(await removeStaleBuilds(this.runtimeDir, (n) => this.optLayers.lockPath(n))),
      ];
      if (removed.length) this.log?.info("removed leftovers of interrupted image builds", { removed });
    })();
    // A failed init (e.g. unwritable dir) is retried by the next call.
    this.initialized.catch(() => (this.initialized = undefined));
    return this.initialized;
  }

  /**
   * The image of a built-in template, built first if it is missing or its recipe changed
   * (a derived template builds its base first). Returns at once when current. Throws
   * `not_found` for unknown names, `internal_error` (naming the phase and the build log)
   * when a build fails, and the signal's reason when aborted.
   */
  async ensureImage(name: string, options: EnsureOptions = {}): Promise<ImageInfo> {
    const recipe = recipeFor(name);
    options.signal?.throwIfAborted();
    await this.init();
    const hash = imageContentHash(name);
    const current = await this.readImage(name);
    if (current?.contentHash === hash) return current;
    return this.builds.run(
      name,
      async (signal, progress) => {
        const base = recipe.base ? await this.ensureImage(recipe.base, { signal, onProgress: progress }) : undefined;
        const lock = await acquireFileLock(this.lockPath(name), signal);
        try {
          // Another process may have built it while this one waited for the lock.
          const built = await this.readImage(name);
          if (built?.contentHash === hash) return built;
          return await this.build(name, hash, base, signal, progress);
        } finally {
          await lock.release();
        }
      },
      options,
    );
  }

  /** The image as on disk: the current version, else the newest; undefined when `name` was never built. */
  async get(name: string): Promise<ImageInfo | undefined> {
    recipeFor(name);
    const versions = await this.versions(name);
    const hash = imageContentHash(name);
    const found = versions.find((v) => v.contentHash === hash) ?? versions.at(-1);
    return found && infoOf(found);
  }

  /** Every built-in template built on this host, each as get() returns it. */
  async list(): Promise<ImageInfo[]> {
    const names = (await readdir(this.imagesDir).catch(() => [] as string[])).filter((n) => isBuiltinTemplate(n));
    const images = await Promise.all(names.map((n) => this.get(n)));
    return images.filter((i): i is ImageInfo => i !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Removes image versions that are not current and whose rootfs is not in `inUse` (the
   * lower layers of this host's capsules and snapshots), and /opt/wrenn layers other than
   * `currentOpt` not in `inUse`. Returns the removed directories.
   */
  async removeUnused(inUse: ReadonlySet<string>, currentOpt: string): Promise<string[]> {
    await this.init();
    const removed: string[] = [];
    const names = (await readdir(this.imagesDir).catch(() => [] as string[])).filter((n) => isBuiltinTemplate(n));
    for (const name of names) {
      const hash = imageContentHash(name);
      const stale = (await this.versions(name)).filter((v) => v.contentHash !== hash && !inUse.has(v.rootfs));
      if (stale.length === 0) continue;
      const lock = await acquireFileLock(this.lockPath(name));
      try {
        for (const version of stale) {
          await this.removeVersion(version);
          removed.push(version.legacy ? version.rootfs : version.dir);
        }
      } finally {
        await lock.release();
      }
    }
    for (const layer of await this.optLayers.list()) {
      if (layer.dir === currentOpt || inUse.has(layer.dir)) continue;
      if (await this.optLayers.remove(layer.hash)) removed.push(layer.dir);
    }
    return removed;
  }

  /**
   * The /opt/wrenn layer for the current Node binary and envd bundle, built if missing.
   * Older layers stay until removeOptLayer: capsules keep the one they started with.
   */
  async ensureOptLayer(options: EnsureOptions = {}): Promise<OptLayerInfo> {
    options.signal?.throwIfAborted();
    await this.init();
    return this.optLayers.ensure(options);
  }

  /** Every /opt/wrenn layer on disk. The capsule manager decides which are unused. */
  async listOptLayers(): Promise<OptLayerInfo[]> {
    return this.optLayers.list();
  }

  /**
   * Removes one /opt/wrenn layer; false if it did not exist. The caller must know that no
   * capsule (running or paused) still mounts it.
   */
  async removeOptLayer(hash: string): Promise<boolean> {
    await this.init();
    return this.optLayers.remove(hash);
  }

  private async build(name: string, hash: string, base: ImageInfo | undefined, signal: AbortSignal, progress: ProgressListener): Promise<ImageInfo> {
    // Holding the lock: any build dir of this name is a crashed build's.
    for (const dir of await leftoverDirs(this.imagesDir, name)) await removeTree(dir.path);
    const recipe = recipeFor(name);
    const log = new BuildLog(join(this.imagesDir, `${name}.build.log`));
    const dir = await createBuildDir(this.imagesDir, name);
    this.log?.info("building template image", { template: name, mirror: this.mirror, log: log.path });
    try {
      const manifest = await buildImage({
        recipe,
        contentHash: hash,
        dir,
        mirror: this.mirror,
        baseRootfs: base?.rootfs,
        lockBase: base ? (sig) => this.lockUnchanged(base, sig) : undefined,
        log,
        signal,
        progress: (phase, message, pct) => progress({ target: name, phase, message, pct }),
      });
      const target = this.versionDir(name, hash);
      await mkdir(join(this.imagesDir, name), { recursive: true });
      await publishDir(dir, target, this.imagesDir, name);
      this.log?.info("built template image", { template: name, ms: manifest.buildMs, sizeBytes: manifest.sizeBytes });
      return { ...manifest, rootfs: join(target, "rootfs") };
    } catch (err) {
      await removeTree(dir);
      throw err;
    } finally {
      await log.close();
    }
  }

  /** Locks an image and checks it is still the one the caller saw. */
  private async lockUnchanged(image: ImageInfo, signal: AbortSignal): Promise<FileLock> {
    const lock = await acquireFileLock(this.lockPath(image.name), signal);
    const now = await this.readImage(image.name);
    if (now?.contentHash !== image.contentHash || now.createdAt !== image.createdAt) {
      await lock.release();
      throw new Error(`image ${image.name} was replaced by another process during this build; try again`);
    }
    return lock;
  }

  /** The current version of `name`, if built. */
  private async readImage(name: string): Promise<ImageInfo | undefined> {
    const version = await readVersion(name, this.versionDir(name, imageContentHash(name)), false);
    return version && infoOf(version);
  }

  /** Every version of `name` on disk, oldest first. */
  private async versions(name: string): Promise<ImageVersion[]> {
    const dir = join(this.imagesDir, name);
    const entries = await readdir(dir).catch(() => [] as string[]);
    const found = await Promise.all([
      readVersion(name, dir, true),
      ...entries.filter((e) => VERSION_DIR.test(e)).map((e) => readVersion(name, join(dir, e), false)),
    ]);
    return found.filter((v): v is ImageVersion => v !== undefined).sort((a, b) => a.createdAt - b.createdAt);
  }

  private versionDir(name: string, contentHash: string): string {
    return join(this.imagesDir, name, contentHash.replace(/^sha256:/, "").slice(0, 16));
  }

  /** Renamed aside first (under the name's lock), so a half-removed rootfs never looks like an image. */
  private async removeVersion(version: ImageVersion): Promise<void> {
    const aside = join(this.imagesDir, `.old-${version.name}-${randomBytes(4).toString("hex")}`);
    if (version.legacy) {
      await rename(version.rootfs, aside);
      await rm(join(version.dir, "image.json"), { force: true });
    } else {
      await rename(version.dir, aside);
    }
    await removeTree(aside);
  }

  private lockPath(name: string): string {
    return join(this.imagesDir, `${name}.lock`);
  }
}

/** Version directories are the first 16 hex digits of the image's content hash. */
const VERSION_DIR = /^[0-9a-f]{16}$/;

/** The image in `dir` (`legacy`: the rootfs and image.json directly under images/<name>/). */
async function readVersion(name: string, dir: string, legacy: boolean): Promise<ImageVersion | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, "image.json"), "utf8")) as ImageManifest;
    if (manifest.name !== name || manifest.kind !== "image") return undefined;
    return { ...manifest, rootfs: join(dir, "rootfs"), dir, legacy };
  } catch {
    return undefined;
  }
}

function infoOf(version: ImageVersion): ImageInfo {
  const { dir: _dir, legacy: _legacy, ...info } = version;
  return info;
}

function checkMirror(mirror: string): string {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new WrennError("invalid_request", `Debian mirror "${mirror}" must be an http:// or https:// URL such as ${DEFAULT_DEBIAN_MIRROR}`);
  }
  return mirror.replace(/\/+$/, "");
}
