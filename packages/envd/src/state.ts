import { EventEmitter } from "node:events";

/**
 * What `/init` sets and the rest of envd reads: the access token, default env vars,
 * default user and workdir, and whether a snapshot is being prepared.
 */
export class EnvdState {
  /** Once set, every call but `/health` must present it. */
  accessToken: string | undefined;
  /** Merged under every process's own env vars. */
  envVars: Record<string, string> = {};
  defaultUser = "root";
  defaultWorkdir: string | undefined;
  /**
   * The capsule's memory limit, from `/init`. The host cgroup allows some headroom above
   * it so the OOM guard can kill the largest process before the host kills the capsule.
   */
  memoryLimitBytes: number | undefined;
  /** True between `/snapshot/prepare` and the next `/init`: background work is paused. */
  quiesced = false;
  readonly startedAt = Date.now();
  /** Emits "init" after every `/init`, "prepare" after `/snapshot/prepare`, "process" when a process starts. */
  readonly events = new EventEmitter();
}
