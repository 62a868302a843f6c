import type { IPty } from "@lydell/node-pty";
import { WrennError } from "@wrenn/core";
import { exitInfo } from "./exit-status.js";
import type { LaunchSpec } from "./launch.js";
import { killGroup, type OutputSink, type ProcessIO } from "./process-io.js";

type PtyModule = typeof import("@lydell/node-pty");

let ptyModule: Promise<PtyModule> | undefined;

/** The native PTY module, loaded on first use so envd without PTY users stays small. */
export function loadPty(): Promise<PtyModule> {
  ptyModule ??= import("@lydell/node-pty").then((mod) => ((mod as { default?: PtyModule }).default ?? mod) as PtyModule);
  return ptyModule;
}

export interface PtySize {
  cols: number;
  rows: number;
}

/** Largest terminal side the kernel's winsize (unsigned short) holds. */
export const MAX_PTY_SIDE = 65535;

/** Validates a size from a request; 0 means the default (80x24) at start. */
export function ptySize(size: { cols: number; rows: number } | undefined, forResize: boolean): PtySize {
  const cols = size?.cols ?? 0;
  const rows = size?.rows ?? 0;
  const min = forResize ? 1 : 0;
  if (cols < min || cols > MAX_PTY_SIDE || rows < min || rows > MAX_PTY_SIDE) {
    throw new WrennError("invalid_request", `pty.size ${cols}x${rows} is invalid: cols and rows must be from ${min} to ${MAX_PTY_SIDE}`);
  }
  return { cols: cols || 80, rows: rows || 24 };
}

/**
 * Spawns `spec` on a new PTY (its own session, so its own process group). The PTY module
 * must already be loaded (`loadPty`) so that the caller's checks and the spawn happen in
 * one synchronous step.
 */
export function spawnWithPty(pty: PtyModule, spec: LaunchSpec, size: PtySize, sink: OutputSink): ProcessIO {
  let term: IPty;
  try {
    term = pty.spawn(spec.file, spec.args, {
      name: spec.env.TERM ?? "xterm-256color",
      cols: size.cols,
      rows: size.rows,
      cwd: spec.cwd,
      env: spec.env,
      uid: spec.uid,
      gid: spec.gid,
      encoding: null,
    });
  } catch (err) {
    throw new WrennError("internal_error", `cannot start "${spec.argv0}" on a PTY: ${(err as Error).message}`, { cause: err });
  }
  return new PtyProcess(term, sink);
}

class PtyProcess implements ProcessIO {
  readonly hasPty = true;
  readonly pid: number;

  constructor(
    private readonly term: IPty,
    sink: OutputSink,
  ) {
    this.pid = term.pid;
    // node-pty rethrows read errors other than EIO unless someone else listens; a broken
    // PTY must end one process, never envd. The socket's close still reports the exit.
    (term as unknown as { on(event: "error", listener: () => void): void }).on("error", () => {});
    // With `encoding: null` node-pty hands over Buffers, though its types say string.
    term.onData((chunk) => sink.onData("pty", chunk as unknown as Buffer));
    // node-pty reaps the child itself and reports once the PTY has no more output.
    term.onExit(({ exitCode, signal }) => {
      sink.onExit();
      sink.onEnd(exitInfo(exitCode, signal ?? 0));
    });
  }

  setPaused(paused: boolean): void {
    if (paused) this.term.pause();
    else this.term.resume();
  }

  async write(data: Uint8Array, kind: "stdin" | "pty"): Promise<void> {
    if (kind === "stdin") {
      throw new WrennError("invalid_state", `process ${this.pid} runs on a PTY: send input as pty, not stdin`);
    }
    // node-pty writes Buffers as they are, though its types say string.
    this.term.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as string);
  }

  closeStdin(): void {
    throw new WrennError("invalid_state", `process ${this.pid} runs on a PTY and has no stdin to close: send Ctrl-D (0x04) as pty input instead`);
  }

  resize(cols: number, rows: number): void {
    try {
      this.term.resize(cols, rows);
    } catch (err) {
      throw new WrennError("invalid_state", `cannot resize the PTY of process ${this.pid}: ${(err as Error).message}`, { cause: err });
    }
  }

  kill(signal: NodeJS.Signals): void {
    killGroup(this.pid, signal);
  }

  abandonOutput(): void {
    this.term.resume();
  }
}
