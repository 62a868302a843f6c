import { rm } from "node:fs/promises";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";

/** Stops the sandbox and removes its network, writable layer, checkpoint and state. */
export async function destroyCapsule(m: ManagerInternals, entry: CapsuleEntry): Promise<void> {
  entry.record.status = "stopped";
  m.closeEnvd(entry);
  await m.deps.runtime.destroy(runtimeIdOf(entry));
  if (entry.runtime.net) await m.deps.network.destroy(entry.runtime.net);
  await new CapsuleDisk(entry.dir).remove();
  await rm(entry.dir, { recursive: true, force: true });
  m.deps.metrics?.drop(entry.record.id);
}
