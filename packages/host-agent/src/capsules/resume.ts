import { rm } from "node:fs/promises";
import { WrennError } from "@wrenn/core";
import { CapsuleDisk } from "../storage/capsule-disk.js";
import { runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";

/**
 * Restores a paused capsule from its checkpoint into a fresh network namespace (gVisor's
 * netstack took the old one's address), then re-inits envd with the capsule's token.
 */
export async function resumeCapsule(m: ManagerInternals, entry: CapsuleEntry): Promise<void> {
  if (entry.record.status !== "paused") {
    throw new WrennError("invalid_state", `capsule ${entry.record.id} is ${entry.record.status}; only a paused capsule can be resumed`);
  }
  const imageDir = entry.runtime.checkpointDir;
  if (!imageDir) throw new WrennError("internal_error", `capsule ${entry.record.id} is paused but has no checkpoint`);
  entry.record.status = "resuming";
  try {
    // After a host reboot the writable layer is no longer mounted.
    await new CapsuleDisk(entry.dir).mount(entry.runtime.lowerDir);
    entry.runtime.net = await m.deps.network.renew(entry.runtime.net!);
    await m.save(entry);
    await m.deps.runtime.restore(m.bundle(entry), imageDir);
    await m.bootEnvd(entry, entry.runtime.accessToken);
  } catch (err) {
    await m.deps.runtime.destroy(runtimeIdOf(entry)).catch(() => {});
    entry.record.status = "paused";
    entry.record.address = "";
    await m.save(entry);
    if (err instanceof WrennError && err.code !== "internal_error") throw err;
    throw new WrennError("internal_error", `resuming capsule ${entry.record.id} failed; it stays paused: ${(err as Error).message}`, { cause: err });
  }
  entry.runtime.checkpointDir = undefined;
  entry.record.status = "running";
  entry.record.lastActiveAt = Date.now();
  await m.save(entry);
  await rm(imageDir, { recursive: true, force: true });
}
