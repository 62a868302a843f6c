/**
 * The one seam between the capsule manager and an isolation technology. gVisor (`runsc`)
 * is the first implementation; a microVM runtime can sit beside it later.
 */
export interface CapsuleBundle {
  /** The capsule id; also the runtime's container id (fixed length, so never a prefix of another). */
  id: string;
  /** The capsule's state directory on the host. */
  dir: string;
  /** The mounted root filesystem (template + writable layer). */
  rootfs: string;
  /** Host directory mounted read-only at /opt/wrenn (envd + its Node runtime). */
  optDir: string;
  /** The capsule's own network namespace (must not be the host's). */
  netnsPath: string;
  vcpus: number;
  /** The capsule's memory limit; the runtime adds headroom so envd can stop a runaway process first. */
  memoryMb: number;
  pidsLimit: number;
  hostname: string;
  env: string[];
  /** The capsule's init command. */
  args: string[];
}

export type RuntimeState = "running" | "paused" | "stopped" | "missing";

export interface Runtime {
  readonly name: string;
  /** Cold boot from the bundle. */
  start(bundle: CapsuleBundle, signal?: AbortSignal): Promise<void>;
  /** Boot from a checkpoint image (a paused capsule, or a snapshot template). */
  restore(bundle: CapsuleBundle, imageDir: string, signal?: AbortSignal): Promise<void>;
  /**
   * Writes the capsule's memory and state to `imageDir` (which must be new or empty). On
   * success the capsule no longer runs; on failure it keeps running untouched.
   */
  checkpoint(id: string, imageDir: string): Promise<void>;
  /** Unfreezes a capsule left frozen by an interrupted checkpoint. */
  thaw(id: string): Promise<void>;
  /** Stops and forgets the capsule. Idempotent. */
  destroy(id: string): Promise<void>;
  state(id: string): Promise<RuntimeState>;
  /** Ids of every capsule the runtime knows about. */
  list(): Promise<string[]>;
  /**
   * Caps the capsule's CPU time at `vcpus` cores. A capsule boots without the cap (envd
   * starts ~100 ms sooner with the host's spare cores); the manager applies it before the
   * capsule is handed out, so nothing a user runs is ever uncapped. Idempotent.
   */
  limitCpu(id: string, vcpus: number): Promise<void>;
  /** Host pids of the capsule's runtime processes (for memory accounting). */
  pids(id: string): Promise<number[]>;
  /**
   * Renames a running capsule (hostname and /etc/hosts): a capsule claimed from a warm
   * pool takes its new id. Optional: without it a claimed capsule keeps the pool's name.
   */
  setHostname?(id: string, hostname: string): Promise<void>;
}
