import type { EnvdState } from "../state.js";
import type { UserDirectory } from "../users.js";
import type { Logger } from "../log.js";

/** Owns every process envd started: spawn, tags, output fan-out, stdin, signals. (stub) */
export class ProcessManager {
  constructor(
    readonly deps: { state: EnvdState; users: UserDirectory; log: Logger },
  ) {}

  /** Number of processes still running. */
  get size(): number {
    return 0;
  }

  /** Kill everything (SIGKILL) and wait for exits; used on shutdown. */
  async close(): Promise<void> {}
}
