import { WrennError } from "@wrenn/core";
import { Signal, type ProcessConfig, type ProcessInput } from "@wrenn/proto/envd/process";
import type { ExitInfo } from "./exit-status.js";
import { Fanout, type FanoutLimits } from "./fanout.js";
import type { OutputSink, ProcessIO } from "./process-io.js";
import type { PtySize } from "./pty.js";
import type { OutputKind, Watcher } from "./watcher.js";

export interface ProcessHooks {
  /** The process is gone (it may still be draining output). */
  exited(process: ManagedProcess): void;
  /** Its end event went to every watcher. */
  ended(process: ManagedProcess, exit: ExitInfo): void;
}

const signals: Partial<Record<Signal, NodeJS.Signals>> = {
  [Signal.SIGTERM]: "SIGTERM",
  [Signal.SIGKILL]: "SIGKILL",
};

/** One process envd started: its config and tag, its I/O, and the watchers of its output. */
export class ManagedProcess implements OutputSink {
  private io: ProcessIO | undefined;
  private readonly fanout: Fanout;
  private isRunning = true;
  private resolveEnded!: (exit: ExitInfo) => void;
  /** Resolves with the end event once every watcher has been sent it. */
  readonly ended: Promise<ExitInfo>;

  readonly startedAt = performance.now();

  constructor(
    readonly config: ProcessConfig,
    readonly tag: string | undefined,
    /** Name of the user it runs as. */
    readonly user: string,
    limits: FanoutLimits,
    private readonly hooks: ProcessHooks,
  ) {
    this.fanout = new Fanout((paused) => this.io?.setPaused(paused), limits);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Connects the spawned process; output published before this waits in the fan-out. */
  attach(io: ProcessIO): void {
    this.io = io;
    if (this.fanout.isPaused) io.setPaused(true);
  }

  get pid(): number {
    return this.spawned().pid;
  }

  get hasPty(): boolean {
    return this.spawned().hasPty;
  }

  /** A new watcher of output from now on; the caller must `close()` it when done. */
  watch(): Watcher {
    return this.fanout.subscribe();
  }

  onData(kind: OutputKind, chunk: Buffer): void {
    this.fanout.publish(kind, chunk);
  }

  onExit(): void {
    this.isRunning = false;
    this.hooks.exited(this);
  }

  onEnd(exit: ExitInfo): void {
    this.fanout.end(exit);
    this.resolveEnded(exit);
    this.hooks.ended(this, exit);
  }

  async sendInput(input: ProcessInput | undefined): Promise<void> {
    const choice = input?.input;
    if (choice?.case !== "stdin" && choice?.case !== "pty") {
      throw new WrennError("invalid_request", "input is required: pass stdin bytes (or pty bytes for a PTY process)");
    }
    if (choice.value.length === 0) return;
    await this.spawned().write(choice.value, choice.case);
  }

  closeStdin(): void {
    this.spawned().closeStdin();
  }

  resize(size: PtySize): void {
    this.spawned().resize(size.cols, size.rows);
  }

  signal(signal: Signal): void {
    const name = signals[signal];
    if (!name) {
      throw new WrennError("invalid_request", `signal ${signal} is not supported: send SIGNAL_SIGTERM (15) or SIGNAL_SIGKILL (9)`);
    }
    this.kill(name);
  }

  /** Signals the process group, unless the process already exited (its pid may be reused). */
  kill(signal: NodeJS.Signals): void {
    if (this.isRunning) this.io?.kill(signal);
  }

  abandonOutput(): void {
    this.io?.abandonOutput();
  }

  private spawned(): ProcessIO {
    if (!this.io) throw new WrennError("invalid_state", "process is still starting");
    return this.io;
  }
}
