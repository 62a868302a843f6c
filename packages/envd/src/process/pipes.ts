import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { WrennError } from "@wrenn/core";
import { exitInfo, type ExitInfo } from "./exit-status.js";
import type { LaunchSpec } from "./launch.js";
import { killGroup, type OutputSink, type ProcessIO } from "./process-io.js";

/**
 * After the process exits, its output is read until the pipes close or stay quiet this
 * long (time paused by backpressure does not count). Then whatever still holds them
 * open (a grandchild left running in the background) is cut off so the end event is not
 * held hostage, as in E2B.
 */
export const DEFAULT_DRAIN_AFTER_EXIT_MS = 100;

function spawnError(err: NodeJS.ErrnoException, spec: LaunchSpec): WrennError {
  const what = `cannot start "${spec.argv0}" as user "${spec.user.name}" in ${spec.cwd}`;
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      return new WrennError("forbidden", `${what}: permission denied on the program or the cwd`, { cause: err });
    case "ENOENT":
      return new WrennError("not_found", `${what}: the program or its interpreter (the #! line) does not exist`, { cause: err });
    case "ENOEXEC":
      return new WrennError("invalid_request", `${what}: not a program the kernel can run; run it through its interpreter`, { cause: err });
    case "EAGAIN":
    case "EMFILE":
    case "ENFILE":
    case "ENOMEM":
      return new WrennError("too_large", `${what}: the capsule is out of processes, file descriptors or memory (${err.code})`, { cause: err });
    default:
      return new WrennError("internal_error", `${what}: ${err.message}`, { cause: err });
  }
}

/** Spawns `spec` with stdout/stderr pipes (and stdin unless `stdin` is false) in its own process group. */
export async function spawnWithPipes(
  spec: LaunchSpec,
  stdin: boolean,
  sink: OutputSink,
  drainAfterExitMs = DEFAULT_DRAIN_AFTER_EXIT_MS,
): Promise<ProcessIO> {
  let child: ChildProcess;
  try {
    child = spawn(spec.file, spec.args, {
      argv0: spec.argv0,
      cwd: spec.cwd,
      env: spec.env,
      uid: spec.uid,
      gid: spec.gid,
      // Its own session and process group: signals reach grandchildren, and a Ctrl-C
      // aimed at envd's terminal in dev mode does not.
      detached: true,
      stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
  } catch (err) {
    throw spawnError(err as NodeJS.ErrnoException, spec);
  }
  if (child.pid === undefined) {
    const [err] = (await once(child, "error")) as [NodeJS.ErrnoException];
    throw spawnError(err, spec);
  }
  return new PipeProcess(child, child.pid, sink, drainAfterExitMs);
}

class PipeProcess implements ProcessIO {
  readonly hasPty = false;
  private readonly outputs: Readable[];
  private openOutputs: number;
  private exit: ExitInfo | undefined;
  private paused = false;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Counts output chunks, so the drain timer can tell whether output is still flowing. */
  private chunks = 0;
  private done = false;

  constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly sink: OutputSink,
    private readonly drainAfterExitMs: number,
  ) {
    this.outputs = [child.stdout!, child.stderr!];
    this.openOutputs = this.outputs.length;
    child.stdout!.on("data", (chunk: Buffer) => {
      this.chunks++;
      sink.onData("stdout", chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      this.chunks++;
      sink.onData("stderr", chunk);
    });
    for (const output of this.outputs) {
      output.on("error", () => {});
      // child_process resumes every output stream right after 'exit' (to flush it); a
      // process that exits while a watcher is behind must stay paused all the same.
      output.on("resume", () => {
        if (this.paused) output.pause();
      });
      output.once("close", () => {
        this.openOutputs--;
        this.maybeEnd();
      });
    }
    // EPIPE when the process exits or closes stdin before reading everything.
    child.stdin?.on("error", () => {});
    // Errors after a successful spawn (e.g. a failed kill) change nothing about its end.
    child.on("error", () => {});
    child.once("exit", (code, signal) => {
      this.exit = exitInfo(code, signal);
      child.stdin?.destroy();
      sink.onExit();
      this.maybeEnd();
      this.armDrainTimer();
    });
  }

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    for (const output of this.outputs) {
      if (paused) output.pause();
      else output.resume();
    }
    if (paused) this.clearDrainTimer();
    else this.armDrainTimer();
  }

  write(data: Uint8Array, kind: "stdin" | "pty"): Promise<void> {
    if (kind === "pty") {
      throw new WrennError("invalid_state", `process ${this.pid} has no PTY: send input as stdin`);
    }
    const stdin = this.child.stdin;
    if (!stdin) {
      throw new WrennError("invalid_state", `process ${this.pid} was started with stdin disabled (stdin: false)`);
    }
    if (stdin.writableEnded || stdin.destroyed) {
      throw new WrennError("invalid_state", `stdin of process ${this.pid} is closed`);
    }
    return new Promise((resolve, reject) => {
      stdin.write(data, (err) => {
        if (err) reject(new WrennError("invalid_state", `stdin of process ${this.pid} is closed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  closeStdin(): void {
    this.child.stdin?.end();
  }

  resize(): void {
    throw new WrennError("invalid_state", `process ${this.pid} has no PTY to resize: start it with pty set`);
  }

  kill(signal: NodeJS.Signals): void {
    killGroup(this.pid, signal);
  }

  abandonOutput(): void {
    this.paused = false;
    for (const output of this.outputs) output.destroy();
  }

  private armDrainTimer(): void {
    if (this.exit === undefined || this.done || this.paused || this.drainTimer) return;
    const chunksBefore = this.chunks;
    const timer = setTimeout(() => {
      // Timers run before I/O in each event-loop turn: when the loop was busy, output the
      // process wrote before exiting may be readable but not read yet. setImmediate runs
      // after the next I/O poll, so it sees that output arrive instead of cutting it off.
      setImmediate(() => {
        if (this.drainTimer !== timer) return;
        this.drainTimer = undefined;
        if (this.chunks !== chunksBefore) this.armDrainTimer();
        else for (const output of this.outputs) output.destroy();
      });
    }, this.drainAfterExitMs);
    this.drainTimer = timer;
  }

  private clearDrainTimer(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
  }

  private maybeEnd(): void {
    if (this.done || this.exit === undefined || this.openOutputs > 0) return;
    this.done = true;
    this.clearDrainTimer();
    this.sink.onEnd(this.exit);
  }
}
