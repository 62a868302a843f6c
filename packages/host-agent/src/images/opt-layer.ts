import { chmod, copyFile, lstat, mkdir, readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { WrennError } from "@wrenn/core";
import { hashFiles, type HashedFile } from "./content-hash.js";
import { runLogged } from "./build-command.js";
import { diskUsage } from "./disk-usage.js";
import { syncToDisk } from "./unsafe-io.js";

/** Bumped when the layout of the layer changes; part of its hash. */
export const OPT_LAYER_VERSION = 1;

/** The layer's file names are the paths under /opt/wrenn inside a capsule. */
export const OPT_NODE = "node/bin/node";
export const OPT_ENVD = "envd/envd.mjs";
const PTY_PACKAGE = "@lydell/node-pty";
const PTY_PLATFORM_PACKAGE = `@lydell/node-pty-${process.platform}-${process.arch}`;

/** `layer.json` at the top of the layer (visible in capsules as /opt/wrenn/layer.json). */
export interface OptLayerManifest {
  /** 16 hex digits; the directory is `opt-<hash>`. */
  hash: string;
  contentHash: string;
  createdAt: number;
  sizeBytes: number;
  nodeVersion: string;
}

export interface OptLayerInfo extends OptLayerManifest {
  /** The directory the runtime bind-mounts read-only at /opt/wrenn. */
  dir: string;
}

export interface OptLayerSources {
  nodeBinary: string;
  envdBundle: string;
}

/** envd's bundle in this checkout (`npm run build -w @wrenn/envd` makes it). */
export function defaultEnvdBundle(): string {
  // Same relative path from src/images/ and dist/images/.
  return fileURLToPath(new URL("../../../envd/dist/envd.mjs", import.meta.url));
}

/**
 * The files of the layer and where they come from: the Node binary, envd's bundle, and
 * node-pty (envd's only external module) plus its prebuilt platform package, resolved
 * from the bundle's location exactly as envd resolves them at run time.
 */
export async function optLayerFiles(sources: OptLayerSources): Promise<HashedFile[]> {
  const envdBundle = await realpath(sources.envdBundle).catch(() => {
    throw new WrennError(
      "internal_error",
      `envd bundle ${sources.envdBundle} is missing: run \`npm run build -w @wrenn/envd\` or pass envdBundle to ImageStore`,
    );
  });
  const nodeBinary = await realpath(sources.nodeBinary);
  const files: HashedFile[] = [
    { rel: OPT_NODE, mode: 0o755, source: nodeBinary },
    { rel: OPT_ENVD, mode: 0o644, source: envdBundle },
  ];
  const require = createRequire(envdBundle);
  const ptyDir = packageDir(require, PTY_PACKAGE, envdBundle);
  const platformDir = packageDir(createRequire(join(ptyDir, "package.json")), PTY_PLATFORM_PACKAGE, ptyDir);
  for (const [pkg, dir] of [
    [PTY_PACKAGE, ptyDir],
    [PTY_PLATFORM_PACKAGE, platformDir],
  ] as const) {
    for (const file of await walkFiles(dir)) {
      files.push({ rel: `envd/node_modules/${pkg}/${relative(dir, file.path)}`, mode: file.mode, source: file.path });
    }
  }
  return files;
}

/**
 * The layer's hash, memoized by each source file's identity (path, inode, size, mtime):
 * hashing the 100 MB Node binary on every capsule start would cost ~0.3 s.
 */
export async function optLayerHash(files: HashedFile[], memo: Map<string, string>): Promise<string> {
  const ids = await Promise.all(files.map(async (f) => {
    const s = await stat(f.source);
    return `${f.rel}|${f.source}|${s.ino}|${s.size}|${s.mtimeMs}|${f.mode}`;
  }));
  const key = ids.join("\n");
  let hash = memo.get(key);
  if (!hash) {
    hash = await hashFiles(files, `opt-layer v${OPT_LAYER_VERSION}`);
    memo.set(key, hash);
  }
  return hash;
}

export interface OptLayerBuild {
  files: HashedFile[];
  /** Full sha256 hex of the files. */
  fullHash: string;
  dir: string;
  signal: AbortSignal;
  progress: (message: string, pct: number) => void;
}

/** Copies the layer's files into `b.dir` and checks on the host that they work. */
export async function buildOptLayer(b: OptLayerBuild): Promise<OptLayerManifest> {
  b.progress("copying node, envd and node-pty", 10);
  for (const file of b.files) {
    b.signal.throwIfAborted();
    const target = join(b.dir, file.rel);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await copyFile(file.source, target);
    await chmod(target, file.mode & 0o755);
  }
  b.progress("checking node, envd and node-pty", 60);
  const nodeVersion = await verifyOptLayer(b.dir, b.signal);
  const manifest: OptLayerManifest = {
    hash: b.fullHash.slice(0, 16),
    contentHash: `sha256:${b.fullHash}`,
    createdAt: Date.now(),
    sizeBytes: await diskUsage(b.dir, b.signal),
    nodeVersion,
  };
  await writeFile(join(b.dir, "layer.json"), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await syncToDisk(b.dir, b.signal);
  b.progress("done", 100);
  return manifest;
}

/**
 * Runs the copied Node on the host: it must start, load node-pty's native module through
 * the layer's own node_modules, and parse envd's bundle. Returns Node's version. (The
 * integration test also runs it inside an image, mounted at /opt/wrenn.)
 */
async function verifyOptLayer(dir: string, signal: AbortSignal): Promise<string> {
  const node = join(dir, OPT_NODE);
  const script = `require(${JSON.stringify(join(dir, "envd/node_modules", PTY_PACKAGE))}); console.log(process.version)`;
  let version = "";
  const output: string[] = [];
  const run = (args: string[]): Promise<void> =>
    runLogged({ cmd: node, args, signal, onLine: (l) => output.push(l) }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw new Error(`the /opt/wrenn layer does not work on this host (${node} ${args[0]}): ${output.slice(-5).join(" | ")}`, { cause: err });
    });
  await run(["-e", script]);
  version = output.at(-1)?.trim() ?? "";
  await run(["--check", join(dir, OPT_ENVD)]);
  if (!/^v\d+\.\d+\.\d+/.test(version)) throw new Error(`${node} printed "${version}" instead of its version`);
  return version;
}

/** Reads `layer.json` of a layer directory; undefined when absent or unreadable. */
export async function readOptLayer(dir: string): Promise<OptLayerInfo | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, "layer.json"), "utf8")) as OptLayerManifest;
    return { ...manifest, dir };
  } catch {
    return undefined;
  }
}

function packageDir(require: NodeJS.Require, pkg: string, from: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (err) {
    throw new WrennError("internal_error", `cannot find ${pkg} next to ${from} for the /opt/wrenn layer: run \`npm install\``, { cause: err });
  }
}

async function walkFiles(dir: string): Promise<{ path: string; mode: number }[]> {
  const out: { path: string; mode: number }[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(path)));
    else if (entry.isFile()) out.push({ path, mode: (await lstat(path)).mode });
  }
  return out;
}
