import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { rm, writeFile } from "node:fs/promises";
import { WrennError } from "@wrenn/core";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import type { CapsuleEntry, CapsulePurpose } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import type { StoredSnapshot } from "./snapshot-store.js";
import type { CreateCapsuleInput } from "./types.js";

/**
 * Cold start from an image template, or restore from a snapshot template. On any failure
 * everything made so far is undone: nothing keeps running, nothing stays on disk. A
 * template of kind "image" made on this host (a recipe build) cold-boots its base image
 * with the template's layer as the capsule's writable layer.
 */
export async function createCapsule(
  m: ManagerInternals,
  input: CreateCapsuleInput,
  template: StoredSnapshot | undefined,
  signal?: AbortSignal,
  purpose?: CapsulePurpose,
): Promise<CapsuleEntry> {
  const now = Date.now();
  const dir = join(m.capsulesDir, input.id);
  // Only a checkpoint pins the specs: an image-kind template boots with the requested ones.
  const snapshot = template?.kind === "image" ? undefined : template;
  const entry: CapsuleEntry = {
    dir,
    envd: undefined,
    record: {
      id: input.id,
      template: input.template,
      status: "pending",
      vcpus: snapshot?.vcpus ?? input.vcpus,
      memoryMb: snapshot?.memoryMb ?? input.memoryMb,
      diskMb: snapshot?.diskMb ?? input.diskMb,
      timeoutSec: input.timeoutSec,
      createdAt: now,
      startedAt: undefined,
      lastActiveAt: now,
      envdVersion: "",
      address: "",
      network: input.network,
      metadata: input.metadata,
      envs: { ...template?.envs, ...input.envs },
      defaultUser: input.defaultUser || template?.defaultUser || m.deps.defaultUser || "",
      defaultWorkdir: input.defaultWorkdir || template?.defaultWorkdir || "",
      error: "",
    },
    runtime: {
      accessToken: randomBytes(24).toString("base64url"),
      lowerDir: "",
      imageHash: "",
      optDir: "",
      optHash: "",
      net: undefined,
      checkpointDir: undefined,
      fromSnapshot: template?.name,
      runtimeId: input.id,
      purpose,
    },
  };
  const disk = new CapsuleDisk(dir);
  let started = false;
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  try {
    if (template) {
      Object.assign(entry.runtime, {
        lowerDir: template.lowerDir,
        imageHash: template.imageHash,
        optDir: template.optDir,
        optHash: template.optHash,
      });
    } else {
      const [image, opt] = await Promise.all([m.deps.images.ensureImage(input.template, signal), m.deps.images.ensureOptLayer(signal)]);
      Object.assign(entry.runtime, { lowerDir: image.rootfs, imageHash: image.contentHash, optDir: opt.dir, optHash: opt.hash });
    }
    phase("image_ms");
    const seed = template ? join(template.dir, "upper") : undefined;
    const [net, made] = await Promise.allSettled([
      m.deps.network.create(input.id, input.network),
      disk.create(entry.record.diskMb, entry.runtime.lowerDir, seed),
    ]);
    if (net.status === "fulfilled") entry.runtime.net = net.value;
    if (net.status === "rejected") throw net.reason;
    if (made.status === "rejected") throw made.reason;
    // The capsule's hostname is its id: make it resolvable (sudo complains otherwise).
    await writeFile(
      join(disk.rootfs, "etc/hosts"),
      `127.0.0.1\tlocalhost ${input.id}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    );
    phase("disk_and_network_ms");
    await m.save(entry);
    signal?.throwIfAborted();
    started = true;
    if (snapshot) {
      await m.deps.runtime.restore(m.bundle(entry), join(snapshot.dir, "ckpt"), signal);
      phase("runtime_restore_ms");
      await m.bootEnvd(entry, snapshot.accessToken, signal, phase);
    } else {
      await startSandbox(m, entry, signal);
      phase("runtime_start_ms");
      await m.bootEnvd(entry, undefined, signal, phase);
    }
    phase("envd_cap_ms");
    entry.record.status = "running";
    entry.record.startedAt = Date.now();
    entry.record.lastActiveAt = Date.now();
    await m.save(entry);
    m.deps.log.info("capsule created", { capsuleId: input.id, template: input.template, ...(purpose ? { purpose } : {}), ...phases });
    return entry;
  } catch (err) {
    m.deps.log.warn("capsule create failed; cleaning up", { capsuleId: input.id, error: (err as Error).message });
    if (started) await m.deps.runtime.destroy(input.id).catch(() => {});
    if (entry.runtime.net) await m.deps.network.destroy(entry.runtime.net).catch(() => {});
    await disk.remove().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    if (err instanceof WrennError) throw err;
    throw new WrennError("internal_error", `creating capsule ${input.id} failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `runsc run`, retried once: under load runsc now and then fails to bring a sandbox up
 * (exit 128 before the container starts). The half-made sandbox is deleted first.
 */
async function startSandbox(m: ManagerInternals, entry: CapsuleEntry, signal: AbortSignal | undefined): Promise<void> {
  try {
    await m.deps.runtime.start(m.bundle(entry), signal);
  } catch (err) {
    signal?.throwIfAborted();
    m.deps.log.warn("runsc could not start the sandbox; retrying once", { capsuleId: entry.record.id, error: (err as Error).message });
    await m.deps.runtime.destroy(entry.runtime.runtimeId ?? entry.record.id);
    await m.deps.runtime.start(m.bundle(entry), signal);
  }
}
