import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EnvdConnection } from "../envd/connection.js";
import type { CapsuleNet } from "./deps.js";
import type { CapsuleRecord } from "./types.js";

/** Host-side facts about a capsule that clients never see. */
export interface CapsuleRuntimeState {
  accessToken: string;
  /** Read-only lower layer of the rootfs (the template image's rootfs). */
  lowerDir: string;
  imageHash: string;
  optDir: string;
  optHash: string;
  net: CapsuleNet | undefined;
  /** Checkpoint of a paused capsule. */
  checkpointDir: string | undefined;
  /** Snapshot template this capsule was restored from, if any. */
  fromSnapshot: string | undefined;
  /**
   * The id the capsule runs under on this host: its directory, sandbox, cgroup, hostname
   * and network names. The same as `record.id` except for a capsule claimed from a warm
   * pool, which keeps the pool capsule's id here (ADR 0005). Absent in state files from
   * before warm pools, meaning `record.id`.
   */
  runtimeId?: string;
  /** Set while the agent runs the capsule for itself: never listed, never reachable from RPC. */
  purpose?: CapsulePurpose;
}

/** Why the agent runs a capsule of its own: a warm pool's spare, or a template build. */
export type CapsulePurpose = "pool" | "build";

/** The id of the capsule's sandbox, directory and network (see `runtimeId`). */
export function runtimeIdOf(entry: Pick<CapsuleEntry, "record" | "runtime">): string {
  return entry.runtime.runtimeId ?? entry.record.id;
}

/** One capsule in the manager's map: the public record plus its host-side state. */
export interface CapsuleEntry {
  record: CapsuleRecord;
  runtime: CapsuleRuntimeState;
  dir: string;
  envd: EnvdConnection | undefined;
}

const STATE_FILE = "state.json";

/** Writes the entry's state atomically (0600: it holds the envd access token). */
export async function saveEntry(entry: CapsuleEntry): Promise<void> {
  await mkdir(entry.dir, { recursive: true });
  const tmp = join(entry.dir, `${STATE_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify({ record: entry.record, runtime: entry.runtime }, null, 2), { mode: 0o600 });
  await rename(tmp, join(entry.dir, STATE_FILE));
}

export async function loadEntry(dir: string): Promise<CapsuleEntry | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8")) as Pick<CapsuleEntry, "record" | "runtime">;
    return { ...saved, dir, envd: undefined };
  } catch {
    return undefined;
  }
}
