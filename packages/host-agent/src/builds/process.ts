import { Signal } from "@wrenn/proto/envd/process";
import { asUser, type EnvdConnection } from "../envd/connection.js";

/** Where a build process's output goes: the build's log stream (awaited: backpressure). */
export type OutputSink = (data: Uint8Array, stderr: boolean) => Promise<void>;

export interface ProcessSpec {
  /** A /bin/sh script, or argv when `args` is given. */
  script: string;
  args?: string[];
  user: string;
  cwd: string | undefined;
  envs: Record<string, string>;
}

export interface ProcessResult {
  exitCode: number;
  timedOut: boolean;
  /** The last few KiB of stdout and stderr, interleaved as they came. */
  tail: string;
}

/** How much output a failure message quotes. */
const TAIL_BYTES = 3000;

/** Keeps the last bytes of a process's output for error messages. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data));
    this.size += data.length;
    while (this.size - this.chunks[0]!.length >= TAIL_BYTES) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString("utf8").trimEnd();
  }
}

function processConfig(spec: ProcessSpec): { cmd: string; args: string[]; envs: Record<string, string>; cwd?: string } {
  const argv = spec.args ? [spec.script, ...spec.args] : ["/bin/sh", "-c", spec.script];
  return { cmd: argv[0]!, args: argv.slice(1), envs: spec.envs, cwd: spec.cwd };
}

/**
 * Runs a process in the build capsule to its end, streaming its output to `sink`. At the
 * timeout, or when `signal` aborts, the process is killed (SIGKILL).
 */
export async function runProcess(envd: EnvdConnection, spec: ProcessSpec, timeoutSec: number, sink: OutputSink | undefined, signal: AbortSignal): Promise<ProcessResult> {
  const call = new AbortController();
  const tail = new OutputTail();
  let pid: number | undefined;
  let timedOut = false;
  let exitCode = -1;
  const kill = (): void => {
    if (pid !== undefined) void envd.process.sendSignal({ process: { selector: { case: "pid", value: pid } }, signal: Signal.SIGKILL }).catch(() => {});
  };
  const onAbort = (): void => {
    kill();
    call.abort();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  let grace: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
    // The end event should follow the kill; do not wait for it forever.
    grace = setTimeout(() => call.abort(), 5000);
  }, timeoutSec * 1000);
  try {
    const events = envd.process.start({ process: processConfig(spec), stdin: false }, { ...asUser(spec.user), signal: call.signal });
    for await (const res of events) {
      const event = res.event?.event;
      if (event?.case === "start") {
        pid = event.value.pid;
        if (timedOut || signal.aborted) kill();
      } else if (event?.case === "data") {
        const out = event.value.output;
        if (out.case === "stdout" || out.case === "stderr" || out.case === "pty") {
          tail.push(out.value);
          await sink?.(out.value, out.case === "stderr");
        }
      } else if (event?.case === "end") {
        exitCode = event.value.exitCode;
      }
    }
  } catch (err) {
    signal.throwIfAborted();
    if (!timedOut) throw err;
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
    signal.removeEventListener("abort", onAbort);
  }
  signal.throwIfAborted();
  return { exitCode, timedOut, tail: tail.text() };
}

/** A START process: running in the capsule, its output streamed until `detach`. */
export interface BackgroundProcess {
  pid: number;
  /** Set once the process ended (it must not, before the build is published). */
  exit: { code: number; tail: string } | undefined;
  /** Stops streaming its output; the process keeps running. */
  detach(): void;
}

/** Starts a process that stays running after the step; resolves once it started. */
export async function startProcess(envd: EnvdConnection, spec: ProcessSpec, tag: string, sink: OutputSink, signal: AbortSignal): Promise<BackgroundProcess> {
  const call = new AbortController();
  const onAbort = (): void => call.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const tail = new OutputTail();
  const events = envd.process.start({ process: processConfig(spec), tag, stdin: false }, { ...asUser(spec.user), signal: call.signal })[Symbol.asyncIterator]();
  const handle: BackgroundProcess = {
    pid: 0,
    exit: undefined,
    detach: () => {
      signal.removeEventListener("abort", onAbort);
      call.abort();
    },
  };
  // Up to the start event here; the rest in the background.
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error("envd ended the process stream before the process started");
    const event = next.value.event?.event;
    if (event?.case === "start") {
      handle.pid = event.value.pid;
      break;
    }
  }
  void (async () => {
    try {
      for (;;) {
        const next = await events.next();
        if (next.done) return;
        const event = next.value.event?.event;
        if (event?.case === "data") {
          const out = event.value.output;
          if (out.case === "stdout" || out.case === "stderr" || out.case === "pty") {
            tail.push(out.value);
            if (!call.signal.aborted) await sink(out.value, out.case === "stderr").catch(() => {});
          }
        } else if (event?.case === "end") {
          handle.exit = { code: event.value.exitCode, tail: tail.text() };
        }
      }
    } catch {
      // Detached, or the capsule's connection was closed for the snapshot.
    }
  })();
  return handle;
}
