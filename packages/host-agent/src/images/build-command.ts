import { spawn } from "node:child_process";
import type { BuildLog } from "./build-log.js";

export interface BuildCommand {
  cmd: string;
  args: string[];
  /**
   * Run in private mount and pid namespaces, SIGKILLed if the agent dies (default true).
   * Mounts a build makes (debootstrap's /proc, ours for apt) vanish with the command, and
   * no stray dpkg keeps writing into a directory the next agent start deletes.
   */
  isolate?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: BuildLog;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** A build command exited non-zero; the builder turns this into a WrennError with the log. */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly lastLines: string[],
  ) {
    // The output is in the build log (or lastLines); the message stays one short line.
    super(`${command} exited with ${exitCode ?? "a signal"}`);
  }
}

const ISOLATE = ["--pdeathsig", "KILL", "--", "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--"];

/**
 * Runs one build command, streaming its stdout and stderr line by line into the build log
 * and `onLine`. Resolves on exit 0; on abort the whole process group (and with `isolate`,
 * the pid namespace) is killed and the signal's reason is thrown once it has exited.
 */
export function runLogged(c: BuildCommand): Promise<void> {
  c.signal?.throwIfAborted();
  const [cmd, args] = c.isolate === false ? [c.cmd, c.args] : ["setpriv", [...ISOLATE, c.cmd, ...c.args]];
  const tail: string[] = [];
  const emit = (line: string): void => {
    c.log?.line(line);
    tail.push(line);
    if (tail.length > 10) tail.shift();
    c.onLine?.(line);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: c.env ?? process.env, detached: true });
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    c.signal?.addEventListener("abort", kill, { once: true });
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (partial + chunk).split(/\r?\n|\r/);
        partial = parts.pop()!;
        for (const line of parts) emit(line);
      });
      stream.on("end", () => {
        if (partial) emit(partial);
        partial = "";
      });
    }
    child.once("error", (err) => {
      c.signal?.removeEventListener("abort", kill);
      reject(err);
    });
    child.once("close", (code) => {
      c.signal?.removeEventListener("abort", kill);
      if (c.signal?.aborted) return reject(c.signal.reason);
      if (code === 0) return resolve();
      reject(new CommandFailedError(c.cmd, code, tail.filter((l) => l.trim() !== "").slice(-5)));
    });
  });
}
