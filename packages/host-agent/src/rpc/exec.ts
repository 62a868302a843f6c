import { WrennError } from "@wrenn/core";
import type { ProcessEvent_EndEvent } from "@wrenn/proto/envd/process";
import { asUser } from "../envd/connection.js";
import { byPid, eventOf, processConfig, sendInput, signalQuietly } from "./envd-process.js";
import type { Handlers, RpcDeps } from "./handlers.js";
import { capsuleId, command } from "./validate.js";

/** After a timeout kill, how long to wait for envd's end event before giving up on it. */
const KILL_GRACE_MS = 5_000;

/** Collects one output stream up to a cap. */
class Output {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly name: "stdout" | "stderr",
    private readonly limit: number,
  ) {}

  push(data: Uint8Array): void {
    this.size += data.length;
    if (this.size > this.limit) {
      const mib = this.limit / (1 << 20);
      throw new WrennError(
        "too_large",
        `${this.name} passed ${mib} MiB: Exec keeps at most ${mib} MiB of ${this.name}, so the process was killed. ` +
          "Redirect large output to a file and read it with ReadFileStream, or use ExecStream",
      );
    }
    this.chunks.push(data);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Exec: run a process in the foreground and answer with its output once it ends.
 * The process belongs to the call: it is killed (SIGKILL) when timeout_sec passes (the
 * answer then says timed_out), when an output stream passes the cap, and when the
 * caller goes away — nobody could ever collect its output afterwards.
 */
export function execHandlers({ capsules, limits }: RpcDeps): Handlers<"exec"> {
  return {
    async exec(req, ctx) {
      const id = capsuleId(req.capsuleId);
      command(req.cmd);
      const timeoutSec = req.timeoutSec || limits.execDefaultTimeoutSec;
      if (timeoutSec > limits.execMaxTimeoutSec) {
        throw new WrennError("invalid_request", `timeout_sec is ${timeoutSec}; Exec allows at most ${limits.execMaxTimeoutSec} s: use StartBackground for longer work`);
      }
      const envd = capsules.envd(id);
      const began = performance.now();
      // Aborted only when the call ends early (caller gone, cap, stuck after a kill): an
      // abort after a natural end would cost a round of error objects on the hot path.
      const call = new AbortController();
      const callerGone = (): void => call.abort();
      ctx.signal.addEventListener("abort", callerGone, { once: true });
      const stdout = new Output("stdout", limits.execOutputBytes);
      const stderr = new Output("stderr", limits.execOutputBytes);
      let pid: number | undefined;
      let end: ProcessEvent_EndEvent | undefined;
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const onTimeout = (): void => {
        timedOut = true;
        if (pid !== undefined) void signalQuietly(envd, byPid(pid));
        timer = setTimeout(() => call.abort(), KILL_GRACE_MS);
      };
      try {
        const events = envd.process.start(
          { process: processConfig(req), stdin: req.stdin.length > 0 },
          { ...asUser(req.user), signal: call.signal },
        );
        timer = setTimeout(onTimeout, timeoutSec * 1000);
        // Read to the stream's own end: envd closes it right after the end event.
        for await (const res of events) {
          const event = eventOf(res);
          if (event.case === "start") {
            pid = event.value.pid;
            if (timedOut) void signalQuietly(envd, byPid(pid));
            // A process that exits without reading its stdin makes the writes fail; that is its choice.
            else if (req.stdin.length > 0) void writeStdin(pid, req.stdin);
          } else if (event.case === "data") {
            const output = event.value.output;
            if (output.case === "stdout" || output.case === "pty") stdout.push(output.value);
            else if (output.case === "stderr") stderr.push(output.value);
          } else if (event.case === "end") {
            end = event.value;
          }
        }
      } catch (err) {
        // Aborted by our own grace timer after a timeout kill: answer with what we have.
        if (!(timedOut && call.signal.aborted && !ctx.signal.aborted)) throw err;
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", callerGone);
        if (!end) {
          if (pid !== undefined) void signalQuietly(envd, byPid(pid));
          call.abort();
        }
      }
      if (!end && !timedOut) throw new WrennError("agent_error", "envd ended the process stream before the process exited; retry the command");
      return {
        stdout: stdout.bytes(),
        stderr: stderr.bytes(),
        exitCode: end?.exitCode ?? -1,
        durationMs: Math.round(performance.now() - began),
        timedOut,
        error: end?.error ?? (end ? "" : "killed after timeout; envd reported no exit"),
      };

      async function writeStdin(target: number, data: Uint8Array): Promise<void> {
        try {
          await sendInput(envd, byPid(target), data, "stdin", call.signal);
          await envd.process.closeStdin({ process: byPid(target) }, { signal: call.signal });
        } catch {}
      }
    },
  };
}
