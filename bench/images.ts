// Template image builds: how long `minimal`, `python` and `node` take, and why `python`
// and `node` are derived from `minimal` (copy + `apt-get install` in a chroot) rather than
// bootstrapped on their own (`debootstrap --include=<minimal's packages + theirs>`).
//
//   node --conditions=wrenn-source --import tsx bench/images.ts
//
// Needs root, debootstrap and the Debian mirror ($WRENN_DEBIAN_MIRROR). N=1 per variant:
// each run downloads and installs hundreds of packages, and the differences measured so
// far (×4 for python, a failure for node) are far larger than the run-to-run noise. Load on
// this shared 2-core host varies; the load average is printed with each number.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { ImageStore } from "../packages/host-agent/src/images/index.js";
import { DEFAULT_DEBIAN_MIRROR } from "../packages/host-agent/src/images/recipes.js";

const mirror = process.env.WRENN_DEBIAN_MIRROR ?? DEFAULT_DEBIAN_MIRROR;
const MINIMAL = ["bash", "coreutils", "procps", "curl", "wget", "ca-certificates", "git", "sudo", "socat", "tini"];
const EXTRA: Record<string, string[]> = { python: ["python3", "python3-pip", "python3-venv"], node: ["nodejs", "npm"] };

function load(): string {
  return loadavg()[0]!.toFixed(1);
}

async function timed(label: string, fn: () => Promise<unknown>): Promise<void> {
  const before = load();
  const t0 = performance.now();
  let outcome = "ok";
  try {
    await fn();
  } catch (err) {
    outcome = `FAILED: ${(err as Error).message.split("\n")[0]}`;
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${label.padEnd(46)} ${s.padStart(6)} s  load ${before}→${load()}  ${outcome}`);
}

function debootstrap(target: string, packages: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // A private mount namespace: a failed debootstrap leaves /proc and /sys mounted in its
    // target, and the cleanup below must not recurse into them.
    const child = spawn("unshare", ["--mount", "--propagation", "private", "--", "debootstrap", "--variant=minbase", `--include=${packages.join(",")}`, "bookworm", target, mirror], { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding("utf8").on("data", (s: string) => (tail = (tail + s).slice(-300)));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`debootstrap exited with ${code}: ${tail.trim()}`))));
  });
}

const dir = await mkdtemp("/var/tmp/wrenn-bench-images-");
try {
  const store = new ImageStore({ wrennDir: join(dir, "wrenn"), mirror });
  console.log(`mirror ${mirror}; ${new Date().toISOString()}`);
  await timed("minimal: debootstrap (ImageStore)", () => store.ensureImage("minimal"));
  await timed("minimal: cache hit", () => store.ensureImage("minimal"));
  for (const name of ["python", "node"]) {
    await timed(`${name}: copy minimal + apt-get (ImageStore)`, () => store.ensureImage(name));
  }
  for (const name of ["python", "node"]) {
    const target = join(dir, `standalone-${name}`);
    // Same dpkg setting as the builder uses, so only the strategy differs.
    await mkdir(join(target, "etc/dpkg/dpkg.cfg.d"), { recursive: true });
    await writeFile(join(target, "etc/dpkg/dpkg.cfg.d/unsafe-io"), "force-unsafe-io\n");
    await timed(`${name}: standalone debootstrap --include`, () => debootstrap(target, [...MINIMAL, ...EXTRA[name]!]));
  }
  for (const image of await store.list()) console.log(`${image.name.padEnd(8)} ${(image.sizeBytes / 2 ** 20).toFixed(0)} MiB on disk`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
