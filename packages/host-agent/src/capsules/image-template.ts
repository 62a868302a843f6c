import { rm } from "node:fs/promises";
import { join } from "node:path";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { prepareSnapshot } from "./envd-boot.js";
import { runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import type { SnapshotMeta, SnapshotStore } from "./snapshot-store.js";
import { snapshotMetaOf, snapshotTemplate } from "./snapshot.js";
import type { TemplateRecord } from "./types.js";

/**
 * Turns a build capsule's writable layer into an image-kind template: capsules made from
 * it cold-boot the same base image with a copy of this layer, so no process of the build
 * survives and any vcpus / memory can be asked for. envd syncs first (gVisor keeps file
 * data in the sandbox until then), and the sandbox is stopped before the copy, so the
 * layer is complete and still. The capsule is left stopped; the caller destroys it.
 */
export async function imageTemplate(m: ManagerInternals, store: SnapshotStore, entry: CapsuleEntry, name: string): Promise<TemplateRecord> {
  await prepareSnapshot(m.baseUrl(entry), entry.runtime.accessToken);
  m.closeEnvd(entry);
  entry.record.status = "stopped";
  await m.deps.runtime.destroy(runtimeIdOf(entry));
  const staging = await store.stage();
  try {
    await new CapsuleDisk(entry.dir).exportUpper(join(staging, "upper"));
    const meta: SnapshotMeta = { ...snapshotMetaOf(entry, name, ""), kind: "image" };
    return snapshotTemplate(await store.commit(staging, meta, true));
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
