import { join } from "node:path";
import { rm } from "node:fs/promises";
import { WrennError } from "@wrenn/core";
import { runtimeIdOf, type CapsuleEntry } from "./entry.js";
import type { ManagerInternals } from "./internals.js";
import { prepareSnapshot } from "./envd-boot.js";
import { waitForTcpQuiet } from "./tcp-quiet.js";

/**
 * Checkpoints a running capsule to `imageDir` and stops it. envd is told first
 * (/snapshot/prepare: sync, drop caches, quiesce) and every agent connection to it is
 * closed, because gVisor refuses to checkpoint open TCP connections. If the checkpoint is
 * refused the capsule keeps running and envd is woken again.
 */
export async function checkpointCapsule(m: ManagerInternals, entry: CapsuleEntry, imageDir: string): Promise<void> {
  const baseUrl = m.baseUrl(entry);
  await prepareSnapshot(baseUrl, entry.runtime.accessToken);
  m.closeEnvd(entry);
  try {
    // Connections the agent just closed need a moment to finish on the capsule's side too
    // (a lost final ACK is only repaired by a retransmit ~1 s later); a refusal leaves the
    // capsule running, so retrying with backoff is safe.
    const backoffMs = [100, 250, 500, 1000, 2000];
    for (let attempt = 1; ; attempt++) {
      if (!(await waitForTcpQuiet(entry.runtime.net!.capsuleIp))) {
        m.deps.log.warn("connections to the capsule are still open before checkpoint", { capsuleId: entry.record.id, attempt });
      }
      try {
        await m.deps.runtime.checkpoint(runtimeIdOf(entry), imageDir);
        break;
      } catch (err) {
        const delay = backoffMs[attempt - 1];
        if (delay === undefined || !/open TCP connection/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  } catch (err) {
    // Wake envd (ends the quiesce) and reconnect.
    await m.bootEnvd(entry, entry.runtime.accessToken).catch(() => {});
    throw err;
  }
}

export async function pauseCapsule(m: ManagerInternals, entry: CapsuleEntry): Promise<void> {
  if (entry.record.status !== "running") {
    throw new WrennError("invalid_state", `capsule ${entry.record.id} is ${entry.record.status}; only a running capsule can be paused`);
  }
  entry.record.status = "pausing";
  const imageDir = join(entry.dir, `ckpt-${Date.now()}`);
  try {
    await checkpointCapsule(m, entry, imageDir);
  } catch (err) {
    entry.record.status = "running";
    throw err;
  }
  // The sandbox is gone; its namespace is useless (a restore needs a fresh one).
  await m.deps.network.park(entry.runtime.net!);
  const old = entry.runtime.checkpointDir;
  entry.runtime.checkpointDir = imageDir;
  entry.record.status = "paused";
  entry.record.address = "";
  await m.save(entry);
  if (old && old !== imageDir) await rm(old, { recursive: true, force: true });
}
