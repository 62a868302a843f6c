import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import type { CapsuleBundle, Runtime, RuntimeState } from "../runtime.js";
import { Runsc, type RunscOptions } from "./runsc.js";
import { buildSpec } from "./spec.js";
import { setCpuQuota } from "./cgroup.js";

/** Capsules under gVisor: one OCI bundle and one `runsc` sandbox each. */
export class GvisorRuntime implements Runtime {
  readonly name = "gvisor";
  private readonly runsc: Runsc;
  /**
   * `runsc delete` of a stopped sandbox blocks until its parent (pid 1 after `--detach`)
   * reaps it, which takes ~1.7 s on some hosts: run it in the background after a
   * checkpoint, and wait for it only when the id is needed again.
   */
  private readonly pendingDeletes = new Map<string, Promise<void>>();

  constructor(options: RunscOptions) {
    this.runsc = new Runsc(options);
  }

  get platform(): string {
    return this.runsc.options.platform;
  }

  async start(bundle: CapsuleBundle, signal?: AbortSignal): Promise<void> {
    const bundleDir = await this.writeBundle(bundle, false);
    // Never killed halfway (runsc's sandbox would outlive a killed `runsc run` unknown to
    // `runsc delete`): an abort takes effect once runsc is done, and the caller destroys.
    await this.runsc.detached(["run", "--detach", "--bundle", bundleDir, bundle.id], join(bundle.dir, "console.log"), bundle.dir);
    signal?.throwIfAborted();
  }

  async restore(bundle: CapsuleBundle, imageDir: string, signal?: AbortSignal): Promise<void> {
    await this.pendingDeletes.get(bundle.id);
    // A checkpointed container may still be known to runsc as stopped: the id must be free.
    await this.destroy(bundle.id);
    const bundleDir = await this.writeBundle(bundle, true);
    await this.runsc.detached(
      ["restore", "--detach", `--image-path=${imageDir}`, "--bundle", bundleDir, bundle.id],
      join(bundle.dir, "console.log"),
      bundle.dir,
    );
    signal?.throwIfAborted();
  }

  /**
   * Checkpoints with --leave-running (a refused checkpoint must not kill the capsule), then
   * kills the sandbox at once so its memory is freed; `runsc delete` finishes in the
   * background. On failure the sandbox keeps running untouched.
   */
  async checkpoint(id: string, imageDir: string): Promise<void> {
    await rm(imageDir, { recursive: true, force: true });
    await mkdir(imageDir, { recursive: true });
    try {
      // Uncompressed images restore faster (no inflate on the resume path); disk is cheaper than time.
      await this.runsc.run(["checkpoint", "--leave-running", "--compression=none", `--image-path=${imageDir}`, id], { timeoutMs: 300_000 });
    } catch (err) {
      await rm(imageDir, { recursive: true, force: true });
      throw new WrennError("invalid_state", checkpointRefusal(err), { cause: err });
    }
    await this.runsc.run(["kill", id, "KILL"]).catch(() => {});
    const deletion = this.runsc
      .run(["delete", "--force", id], { timeoutMs: 30_000 })
      .then(() => {}, () => {})
      .finally(() => this.pendingDeletes.delete(id));
    this.pendingDeletes.set(id, deletion);
  }

  async thaw(id: string): Promise<void> {
    await this.runsc.run(["resume", id]);
  }

  async destroy(id: string): Promise<void> {
    await this.pendingDeletes.get(id);
    try {
      await this.runsc.run(["delete", "--force", id], { timeoutMs: 30_000 });
    } catch (err) {
      if ((await this.state(id)) !== "missing") throw err;
    }
    // A sandbox whose `runsc run` died early may run unknown to runsc's state: end it too.
    for (const pid of await this.pids(id)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  async state(id: string): Promise<RuntimeState> {
    try {
      const { stdout } = await this.runsc.run(["state", id], { timeoutMs: 10_000 });
      const status = (JSON.parse(stdout) as { status?: string }).status;
      if (status === "running") return "running";
      if (status === "paused") return "paused";
      return "stopped";
    } catch {
      return "missing";
    }
  }

  async list(): Promise<string[]> {
    try {
      const { stdout } = await this.runsc.run(["list", "--quiet"], { timeoutMs: 10_000 });
      return stdout.split("\n").filter(Boolean);
    } catch {
      return [];
    }
  }

  /**
   * `runsc exec` with CAP_SYS_ADMIN, which the capsule's own processes do not have (so
   * nothing inside can rename the capsule). The process is gone before this returns:
   * runsc exec processes must not outlive a call (they break checkpoints).
   */
  async setHostname(id: string, hostname: string): Promise<void> {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(hostname)) throw new WrennError("invalid_request", `"${hostname}" is not a valid hostname`);
    const script = 'hostname "$1" && printf "127.0.0.1\\tlocalhost %s\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n" "$1" > /etc/hosts';
    await this.runsc.run(["exec", "--cap", "CAP_SYS_ADMIN", id, "/bin/sh", "-c", script, "sh", hostname], { timeoutMs: 10_000 });
  }

  async limitCpu(id: string, vcpus: number): Promise<void> {
    await setCpuQuota(id, vcpus);
  }

  async pids(id: string): Promise<number[]> {
    const out: number[] = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = await readFile(`/proc/${entry}/cmdline`, "latin1");
        if (cmdline.includes("runsc") && cmdline.includes(id)) out.push(Number(entry));
      } catch {
        // The process ended while we looked.
      }
    }
    return out;
  }

  private async writeBundle(bundle: CapsuleBundle, cpuCap: boolean): Promise<string> {
    await assertCapsuleNetns(bundle.netnsPath);
    const bundleDir = join(bundle.dir, "bundle");
    await mkdir(bundleDir, { recursive: true });
    await writeFile(join(bundleDir, "config.json"), JSON.stringify(buildSpec(bundle, { cpuCap })), { mode: 0o600 });
    return bundleDir;
  }
}

/**
 * The /proc/sys/net workaround also disables runsc's own refusal to run a netstack in the
 * host's network namespace, so check here that the capsule has a namespace of its own.
 */
async function assertCapsuleNetns(path: string): Promise<void> {
  if (!path.startsWith("/var/run/netns/") && !path.startsWith("/run/netns/")) {
    throw new WrennError("internal_error", `refusing to start a capsule outside a named network namespace (${path})`);
  }
  const [capsule, host] = await Promise.all([stat(path), stat("/proc/self/ns/net")]);
  if (capsule.ino === host.ino && capsule.dev === host.dev) {
    throw new WrennError("internal_error", `refusing to start a capsule in the host's network namespace (${path})`);
  }
}

function checkpointRefusal(err: unknown): string {
  const text = err instanceof Error ? `${err.message}\n${(err.cause as Error | undefined)?.message ?? ""}` : String(err);
  if (/connected state|TIME_WAIT|endpoint cannot be saved|tcp\.\(\*Endpoint\)\.beforeSave/i.test(text)) {
    return "pause refused, the capsule keeps running: a program in it holds an open TCP connection; close it (or wait up to a minute for TIME_WAIT to pass) and pause again";
  }
  return `pause failed, the capsule keeps running: ${err instanceof Error ? err.message : String(err)}`;
}
