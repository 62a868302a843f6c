import type { CapsuleEntry } from "./entry.js";

/** Running capsules idle past their timeout (no exec, file, PTY, process or ping activity). */
export function idleCapsules(entries: Iterable<CapsuleEntry>, now: number): CapsuleEntry[] {
  const out: CapsuleEntry[] = [];
  for (const entry of entries) {
    const { status, timeoutSec, lastActiveAt } = entry.record;
    if (status === "running" && timeoutSec > 0 && now - lastActiveAt >= timeoutSec * 1000) out.push(entry);
  }
  return out;
}
