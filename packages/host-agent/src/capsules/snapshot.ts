import { join } from "node:path";
import { rm } from "node:fs/promises";
import { WrennError, isTemplateName } from "@wrenn/core";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { runCommand } from "../util/command.js";
import type { CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import type { SnapshotMeta, SnapshotStore } from "./snapshot-store.js";
import { checkpointCapsule } from "./pause.js";
import type { TemplateRecord } from "./types.js";

/**
 * Turns a capsule's memory + writable layer into a snapshot template that new capsules
 * are restored from. A running capsule is checkpointed, its layer copied, and it is
 * restored from that same checkpoint, so it keeps running; a paused one is copied as is.
 */
export async function snapshotCapsule(
  m: ManagerInternals,
  store: SnapshotStore,
  entry: CapsuleEntry,
  name: string,
  overwrite: boolean,
  isBuiltin: (name: string) => boolean,
): Promise<TemplateRecord> {
  if (!isTemplateName(name)) {
    throw new WrennError("invalid_request", `snapshot name "${name}" must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`);
  }
  if (isBuiltin(name)) throw new WrennError("conflict", `"${name}" is a built-in template; choose another snapshot name`);
  if (!overwrite && (await store.get(name))) {
    throw new WrennError("conflict", `a snapshot named "${name}" already exists; pass overwrite to replace it`);
  }
  const { status } = entry.record;
  if (status !== "running" && status !== "paused") {
    throw new WrennError("invalid_state", `capsule ${entry.record.id} is ${status}; snapshot a running or paused capsule`);
  }
  const staging = await store.stage();
  try {
    const disk = new CapsuleDisk(entry.dir);
    if (status === "paused") {
      await runCommand("cp", ["-a", "--reflink=auto", entry.runtime.checkpointDir!, join(staging, "ckpt")]);
      await disk.mount(entry.runtime.lowerDir);
      await disk.exportUpper(join(staging, "upper"));
    } else {
      entry.record.status = "pausing";
      try {
        await checkpointCapsule(m, entry, join(staging, "ckpt"));
      } catch (err) {
        entry.record.status = "running";
        throw err;
      }
      try {
        await disk.exportUpper(join(staging, "upper"));
      } finally {
        entry.runtime.net = await m.deps.network.renew(entry.runtime.net!);
        await m.deps.runtime.restore(m.bundle(entry), join(staging, "ckpt"));
        await m.bootEnvd(entry, entry.runtime.accessToken);
        entry.record.status = "running";
        await m.save(entry);
      }
    }
    const meta = snapshotMetaOf(entry, name, entry.runtime.accessToken);
    await store.commit(staging, meta, overwrite);
    return snapshotTemplate(meta);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * What a template made from `entry` records: its specs, base image, /opt layer and
 * defaults. A snapshot keeps the capsule's envd token (restored processes hold it); an
 * image template has none (its capsules boot and get their own).
 */
export function snapshotMetaOf(entry: CapsuleEntry, name: string, accessToken: string): SnapshotMeta {
  return {
    name,
    baseTemplate: entry.record.template,
    vcpus: entry.record.vcpus,
    memoryMb: entry.record.memoryMb,
    diskMb: entry.record.diskMb,
    createdAt: Date.now(),
    sizeBytes: 0,
    accessToken,
    lowerDir: entry.runtime.lowerDir,
    imageHash: entry.runtime.imageHash,
    optDir: entry.runtime.optDir,
    optHash: entry.runtime.optHash,
    envs: entry.record.envs,
    defaultUser: entry.record.defaultUser,
    defaultWorkdir: entry.record.defaultWorkdir,
    envdVersion: entry.record.envdVersion,
  };
}

export function snapshotTemplate(meta: SnapshotMeta): TemplateRecord {
  return {
    name: meta.name,
    kind: meta.kind ?? "snapshot",
    sizeBytes: meta.sizeBytes,
    createdAt: meta.createdAt,
    baseTemplate: meta.baseTemplate,
    vcpus: meta.vcpus,
    memoryMb: meta.memoryMb,
    contentHash: meta.imageHash,
    envs: meta.envs,
    defaultUser: meta.defaultUser,
    defaultWorkdir: meta.defaultWorkdir,
  };
}
