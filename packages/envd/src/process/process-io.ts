import type { ExitInfo } from "./exit-status.js";
import type { OutputKind } from "./watcher.js";

/** Where a spawned process reports to; called in order: onData…, onExit, onEnd. */
export interface OutputSink {
  onData(kind: OutputKind, chunk: Buffer): void;
  /** The process itself is gone; output may still be draining. */
  onExit(): void;
  /** All output delivered; the last call. */
  onEnd(exit: ExitInfo): void;
}

/** A running process as the manager drives it, with pipes or a PTY behind it. */
export interface ProcessIO {
  readonly pid: number;
  readonly hasPty: boolean;
  /** Stop or restart reading output (backpressure from the fan-out). */
  setPaused(paused: boolean): void;
  /** Resolves once the bytes are handed to the kernel (the process may not have read them yet). */
  write(data: Uint8Array, kind: "stdin" | "pty"): Promise<void>;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** Signals the process's whole group, so grandchildren get it too. */
  kill(signal: NodeJS.Signals): void;
  /** Stop waiting for output; `onEnd` follows as soon as the process has exited. Used on shutdown. */
  abandonOutput(): void;
}

/** Signals a process group, falling back to the process when the group is gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch {}
  try {
    process.kill(pid, signal);
  } catch {
    // Already exited; its end is on the way.
  }
}
