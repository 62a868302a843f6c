import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WrennError } from "@wrenn/core";
import { ImageStore, type BuildProgress, type ImageInfo } from "../../../packages/host-agent/src/images/index.js";

// Real debootstrap, apt, mounts and chroots: needs root, debootstrap and the Debian mirror.
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const envdBundle = join(repoRoot, "packages/envd/dist/envd.mjs");
const BUILD_TIMEOUT = 300_000;

let wrennDir: string;
let store: ImageStore;
const timings: Record<string, number> = {};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

async function mountsUnder(dir: string): Promise<string[]> {
  const mounts = await readFile("/proc/mounts", "utf8");
  return mounts
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((p) => p.startsWith(dir))
    .sort((a, b) => b.length - a.length);
}

async function dotDirs(imagesDir: string): Promise<string[]> {
  return (await readdir(imagesDir).catch(() => [] as string[])).filter((n) => n.startsWith(".build-") || n.startsWith(".old-"));
}

/** Processes whose command line mentions `dir` (a build that outlived its abort). */
async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline.replaceAll("\0", " ")}`);
  }
  return found;
}

function chroot(rootfs: string, ...argv: string[]): Promise<{ stdout: string; stderr: string }> {
  return run("chroot", [rootfs, "/usr/bin/env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/root", ...argv]);
}

/**
 * Runs `fn` on a throwaway overlay of `rootfs` (with /proc, a private devpts and, when
 * given, the /opt/wrenn layer bind-mounted read-only), so checks that write (sudo's
 * timestamps, a venv) never touch the image. Everything is unmounted afterwards.
 */
async function withScratch<T>(rootfs: string, optDir: string | undefined, fn: (merged: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(wrennDir, "scratch-"));
  const [upper, work, merged] = ["upper", "work", "merged"].map((d) => join(scratch, d)) as [string, string, string];
  for (const d of [upper, work, merged]) await mkdir(d);
  const mounted: string[] = [];
  const mount = async (point: string, args: string[]): Promise<void> => {
    await run("mount", [...args, point]);
    mounted.unshift(point);
  };
  try {
    await mount(merged, ["-t", "overlay", "overlay", "-o", `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`]);
    if (optDir) await mount(join(merged, "opt/wrenn"), ["--bind", "-o", "ro", optDir]);
    await mount(join(merged, "proc"), ["-t", "proc", "proc"]);
    await mount(join(merged, "dev/pts"), ["-t", "devpts", "-o", "newinstance,ptmxmode=0666", "devpts"]);
    return await fn(merged);
  } finally {
    for (const point of mounted) await run("umount", [point]).catch(() => run("umount", ["--lazy", point]));
    // Never recurse into a /proc or devpts that is still mounted.
    if ((await mountsUnder(scratch)).length === 0) await rm(scratch, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("images.test.ts needs root (debootstrap, mount, chroot)");
  if (!existsSync("/usr/sbin/debootstrap")) throw new Error("debootstrap is missing: apt-get install -y debootstrap");
  if (!existsSync(envdBundle)) await run("npm", ["run", "build", "-w", "@wrenn/envd"], { cwd: repoRoot });
  // /var/tmp: on disk even where /tmp is a tmpfs (images are hundreds of MB).
  wrennDir = await mkdtemp("/var/tmp/wrenn-images-test-");
  store = new ImageStore({ wrennDir, envdBundle });
});

afterAll(async () => {
  if (!wrennDir) return;
  for (const point of await mountsUnder(wrennDir)) await run("umount", ["--lazy", point]).catch(() => {});
  await rm(wrennDir, { recursive: true, force: true });
  console.log("images.test.ts timings (ms):", JSON.stringify(timings));
});

describe("template images", () => {
  it("rejects unknown templates, naming the built-in ones", async () => {
    const err = await store.ensureImage("ubuntu").catch((e: unknown) => e);
    expect(WrennError.is(err, "not_found")).toBe(true);
    expect((err as Error).message).toBe('unknown template "ubuntu": built-in templates are minimal, python, node');
    expect(() => store.rootfsPath("ubuntu")).toThrow(/unknown template/);
  });

  it("rejects a mirror that is not an http(s) URL", () => {
    expect(() => new ImageStore({ wrennDir, mirror: "deb.debian.org" })).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
  });

  let minimal: ImageInfo;

  it(
    "builds minimal once for concurrent callers: packages, default user, /opt/wrenn mount point",
    async () => {
      const first: BuildProgress[] = [];
      const second: BuildProgress[] = [];
      const [a, b] = await timed("build minimal", () =>
        Promise.all([store.ensureImage("minimal", { onProgress: (e) => first.push(e) }), store.ensureImage("minimal", { onProgress: (e) => second.push(e) })]),
      );
      minimal = a;
      // The second caller joined the same build: it saw debootstrap run, and got the same image.
      expect(b.createdAt).toBe(a.createdAt);
      expect(second.some((e) => e.phase === "debootstrap" && e.message.startsWith("extracting"))).toBe(true);
      expect(first.map((e) => e.phase)).toEqual(expect.arrayContaining(["debootstrap", "configure", "finalize"]));
      const pcts = first.flatMap((e) => (e.pct === undefined ? [] : [e.pct]));
      expect(pcts).toEqual([...pcts].sort((x, y) => x - y));
      expect(pcts.at(-1)).toBe(100);

      const imageDir = join(wrennDir, "images/minimal", store.expectedHash("minimal").slice("sha256:".length, "sha256:".length + 16));
      const manifest = JSON.parse(await readFile(join(imageDir, "image.json"), "utf8"));
      expect(manifest).toMatchObject({ name: "minimal", kind: "image", contentHash: store.expectedHash("minimal"), createdAt: a.createdAt });
      expect(manifest.recipe.packages).toContain("tini");
      expect(a.rootfs).toBe(join(imageDir, "rootfs"));
      // ~270 MB on disk without the apt caches.
      expect(a.sizeBytes).toBeGreaterThan(150e6);
      expect(a.sizeBytes).toBeLessThan(500e6);

      const r = a.rootfs;
      for (const bin of ["usr/bin/tini", "usr/bin/bash", "usr/bin/curl", "usr/bin/wget", "usr/bin/git", "usr/bin/sudo", "usr/bin/socat", "usr/bin/ps"]) {
        expect(existsSync(join(r, bin)), bin).toBe(true);
      }
      expect((await chroot(r, "tini", "--version")).stdout).toMatch(/tini version/);
      expect(await readFile(join(r, "etc/passwd"), "utf8")).toMatch(/^user:x:1000:1000::\/home\/user:\/bin\/bash$/m);
      const home = await stat(join(r, "home/user"));
      expect([home.uid, home.gid]).toEqual([1000, 1000]);
      const sudo = await withScratch(r, undefined, (m) => chroot(m, "su", "-", "user", "-c", "id -un; sudo -n id -u"));
      expect(sudo.stdout.trim().split("\n")).toEqual(["user", "0"]);
      expect(await readdir(join(r, "opt/wrenn"))).toEqual([]);
      expect(await readFile(join(r, "etc/resolv.conf"), "utf8")).toMatch(/^nameserver /m);
      expect(await readFile(join(r, "etc/hosts"), "utf8")).toMatch(/127\.0\.0\.1\s+localhost/);
      expect((await readFile(join(r, "etc/hostname"), "utf8")).trim()).toBe("capsule");
      expect((await readdir(join(r, "var/cache/apt/archives"))).filter((n) => n.endsWith(".deb"))).toEqual([]);
      expect(await readdir(join(r, "etc/dpkg/dpkg.cfg.d"))).not.toContain("wrenn-build-unsafe-io");
      expect(await readFile(join(wrennDir, "images/minimal.build.log"), "utf8")).toMatch(/Base system installed successfully/);
      expect(await dotDirs(join(wrennDir, "images"))).toEqual([]);
      expect(await store.list()).toEqual([a]);
      expect(await store.get("minimal")).toEqual(a);
    },
    BUILD_TIMEOUT,
  );

  it("returns a current image from its cache in well under a second", async () => {
    const again = await timed("cache hit", () => store.ensureImage("minimal"));
    expect(timings["cache hit"]).toBeLessThan(1000);
    expect(again.createdAt).toBe(minimal.createdAt);
  });

  it("removes what crashed builds left behind when a store starts", async () => {
    const images = join(wrennDir, "images");
    await mkdir(join(images, ".build-minimal-crash1/rootfs/etc"), { recursive: true });
    await mkdir(join(images, ".old-python-crash2/rootfs"), { recursive: true });
    // A crash can leave a mount inside a build dir: it must be detached, not recursed into.
    await mkdir(join(images, ".build-minimal-crash1/rootfs/proc"));
    await run("mount", ["-t", "tmpfs", "tmpfs", join(images, ".build-minimal-crash1/rootfs/proc")]);
    const fresh = new ImageStore({ wrennDir, envdBundle });
    const image = await fresh.ensureImage("minimal");
    expect(image.createdAt).toBe(minimal.createdAt);
    expect(await dotDirs(images)).toEqual([]);
    expect(await mountsUnder(images)).toEqual([]);
  });

  it(
    "leaves no build dir, image or process behind when a build is aborted",
    async () => {
      const dir = join(wrennDir, "abort");
      const aborting = new ImageStore({ wrennDir: dir });
      const controller = new AbortController();
      const phases: string[] = [];
      const building = aborting.ensureImage("minimal", {
        signal: controller.signal,
        onProgress: (e) => {
          phases.push(e.phase);
          // Abort while dpkg runs inside the target, with debootstrap's /proc and /sys
          // mounted there: the worst moment to leave debris.
          if (e.message.startsWith("unpacking ") && !controller.signal.aborted) controller.abort(new Error("test abort"));
        },
      });
      const err = await timed("abort", () => building.catch((e: unknown) => e));
      expect((err as Error).message).toBe("test abort");
      expect(phases).toContain("debootstrap");
      expect(await dotDirs(join(dir, "images"))).toEqual([]);
      expect(existsSync(join(dir, "images/minimal"))).toBe(false);
      expect(await processesUsing(dir)).toEqual([]);
      expect(await mountsUnder(dir)).toEqual([]);
    },
    BUILD_TIMEOUT,
  );

  it("fails naming the phase and the build log when the mirror is unreachable", async () => {
    const dir = join(wrennDir, "bad-mirror");
    const broken = new ImageStore({ wrennDir: dir, mirror: "http://127.0.0.1:9/debian" });
    const err = await broken.ensureImage("minimal").catch((e: unknown) => e);
    expect(WrennError.is(err, "internal_error")).toBe(true);
    const log = join(dir, "images/minimal.build.log");
    expect((err as Error).message).toMatch(/^building template minimal failed at debootstrap: .+; full log: /);
    expect((err as Error).message.endsWith(`full log: ${log}`)).toBe(true);
    expect(existsSync(log)).toBe(true);
    expect(await dotDirs(join(dir, "images"))).toEqual([]);
    expect(existsSync(join(dir, "images/minimal"))).toBe(false);
  });

  it(
    "builds the /opt/wrenn layer; envd and node-pty run from it inside the image",
    async () => {
      const layer = await timed("opt layer", () => store.ensureOptLayer());
      expect(layer.dir).toBe(join(wrennDir, `runtime/opt-${layer.hash}`));
      expect(layer.nodeVersion).toBe(process.version);
      for (const rel of ["node/bin/node", "envd/envd.mjs", "envd/node_modules/@lydell/node-pty/package.json", "envd/node_modules/@lydell/node-pty-linux-x64/pty.node"]) {
        expect(existsSync(join(layer.dir, rel)), rel).toBe(true);
      }
      const cached = await timed("opt layer cache hit", () => store.ensureOptLayer());
      expect(cached).toEqual(layer);
      expect(await store.listOptLayers()).toEqual([layer]);

      // On a throwaway overlay of the image, as the runtime mounts it in a capsule.
      let envd: ReturnType<typeof spawn> | undefined;
      await withScratch(minimal.rootfs, layer.dir, async (merged) => {
        try {
          envd = spawn("/usr/sbin/chroot", [merged, "/opt/wrenn/node/bin/node", "/opt/wrenn/envd/envd.mjs", "--dev", "--port", "0"], {
            stdio: ["ignore", "ignore", "pipe"],
            env: { PATH: "/usr/bin:/bin", HOME: "/root" },
          });
          const child = envd;
          const port = await new Promise<number>((resolve, reject) => {
            const logs: string[] = [];
            child.once("error", reject);
            child.once("exit", (code) => reject(new Error(`envd exited with ${code}: ${logs.join("\n")}`)));
            createInterface({ input: child.stderr! }).on("line", (line) => {
              logs.push(line);
              if (line.includes('"envd listening"')) resolve((JSON.parse(line) as { port: number }).port);
            });
          });
          const health = await fetch(`http://127.0.0.1:${port}/health`);
          expect(health.status).toBe(200);
          expect(((await health.json()) as { status: string }).status).toBe("ok");

          const ptyScript = [
            "const pty = require('/opt/wrenn/envd/node_modules/@lydell/node-pty');",
            "const p = pty.spawn('/bin/echo', ['hi'], {});",
            "let out = '';",
            "p.onData((d) => (out += d));",
            "p.onExit((e) => console.log(JSON.stringify({ out, code: e.exitCode })));",
          ].join("\n");
          const { stdout } = await chroot(merged, "/opt/wrenn/node/bin/node", "-e", ptyScript);
          expect(JSON.parse(stdout)).toEqual({ out: expect.stringContaining("hi"), code: 0 });

          await expect(chroot(merged, "touch", "/opt/wrenn/x")).rejects.toThrow(/Read-only file system/);
        } finally {
          const child = envd;
          if (child && child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGKILL");
            await exited;
          }
        }
      });
      expect(await mountsUnder(wrennDir)).toEqual([]);
      expect(await readdir(join(minimal.rootfs, "opt/wrenn"))).toEqual([]);
    },
    BUILD_TIMEOUT,
  );

  it(
    "builds python and node from a copy of minimal",
    async () => {
      const python = await timed("build python", () => store.ensureImage("python"));
      const node = await timed("build node", () => store.ensureImage("node"));
      expect(python.recipe.base).toBe("minimal");
      expect(node.recipe.base).toBe("minimal");
      expect((await chroot(python.rootfs, "python3", "--version")).stdout).toMatch(/^Python 3\.11\./);
      expect((await chroot(node.rootfs, "node", "--version")).stdout).toMatch(/^v18\./);
      const pip = await withScratch(python.rootfs, undefined, (m) => chroot(m, "sh", "-c", "python3 -m venv /tmp/venv && /tmp/venv/bin/pip --version"));
      expect(pip.stdout).toMatch(/^pip /);
      const npm = await withScratch(node.rootfs, undefined, (m) => chroot(m, "npm", "--version"));
      expect(npm.stdout).toMatch(/^9\./);
      // Inherited from minimal: the default user and the empty mount point.
      expect(await readFile(join(node.rootfs, "etc/passwd"), "utf8")).toMatch(/^user:x:1000:/m);
      expect(await readdir(join(python.rootfs, "opt/wrenn"))).toEqual([]);
      expect(existsSync(join(python.rootfs, "var/lib/wrenn-build"))).toBe(false);
      expect((await store.list()).map((i) => i.name)).toEqual(["minimal", "node", "python"]);
    },
    BUILD_TIMEOUT,
  );

  it("keeps older image versions while capsules or snapshots use them, then removes them", async () => {
    const images = join(wrennDir, "images");
    const [layer] = await store.listOptLayers();
    // An older minimal (a recipe from before an upgrade) and python in the layout before versions.
    const old = join(images, "minimal/0123456789abcdef");
    const legacy = join(images, "python");
    const oldOpt = join(wrennDir, "runtime/opt-00000000000000aa");
    for (const dir of [join(old, "rootfs/etc"), join(legacy, "rootfs/etc"), oldOpt]) await mkdir(dir, { recursive: true });
    const manifest = (name: string, hash: string) => JSON.stringify({ ...minimal, name, contentHash: `sha256:${hash}`, createdAt: 1 });
    await writeFile(join(old, "image.json"), manifest("minimal", "0123456789abcdef".padEnd(64, "0")));
    await writeFile(join(legacy, "image.json"), manifest("python", "f".repeat(64)));
    await writeFile(join(oldOpt, "layer.json"), JSON.stringify({ ...layer, hash: "00000000000000aa", createdAt: 1 }));

    // The current versions win: a rebuild never swapped the rootfs under older capsules.
    expect(await store.get("minimal")).toEqual(minimal);
    expect((await store.get("python"))?.contentHash).toBe(store.expectedHash("python"));
    expect((await store.list()).map((i) => i.name)).toEqual(["minimal", "node", "python"]);

    const inUse = new Set([join(old, "rootfs"), oldOpt]);
    expect(await store.removeUnused(inUse, layer!.dir)).toEqual([join(legacy, "rootfs")]);
    expect(existsSync(join(old, "rootfs/etc"))).toBe(true);
    expect(existsSync(join(legacy, "image.json"))).toBe(false);

    expect((await store.removeUnused(new Set(), layer!.dir)).sort()).toEqual([old, oldOpt].sort());
    expect(existsSync(old)).toBe(false);
    expect(existsSync(oldOpt)).toBe(false);
    // Current versions and the current /opt/wrenn layer are never removed.
    expect(await store.list()).toHaveLength(3);
    expect(existsSync(minimal.rootfs)).toBe(true);
    expect(await store.listOptLayers()).toEqual([layer]);
    expect(await dotDirs(images)).toEqual([]);
  });

  it("removes an /opt/wrenn layer on request", async () => {
    const [layer] = await store.listOptLayers();
    expect(await store.removeOptLayer(layer!.hash)).toBe(true);
    expect(await store.removeOptLayer(layer!.hash)).toBe(false);
    expect(await store.listOptLayers()).toEqual([]);
    await expect(store.removeOptLayer("../etc")).rejects.toThrow(/16 hex digits/);
  });
});
