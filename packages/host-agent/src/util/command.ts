import { spawn } from "node:child_process";
import { WrennError } from "@wrenn/core";

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the command's stdin, then closed. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Adds context to the failure detail (e.g. the input line a batch command choked on). */
  explain?: (detail: string) => string;
}

/**
 * Runs a host command and resolves with its output. The one place host-agent code turns
 * a failed command into an error: WrennError("internal_error", "<cmd> failed: <stderr>").
 */
export function runCommand(cmd: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: options.env ?? process.env,
      cwd: options.cwd,
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    if (options.input !== undefined) {
      // A command that fails early closes its stdin; its exit status tells the story.
      child.stdin!.on("error", () => {});
      child.stdin!.end(options.input);
    }
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      const what = (e as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd} is not installed` : e.message;
      reject(new WrennError("internal_error", `${describe(cmd, args)} failed: ${what}`, { cause: e }));
    });
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) return resolve({ stdout, stderr });
      const detail = (options.explain ?? ((d: string) => d))(stderr.trim() || stdout.trim() || `exit ${code ?? sig}`);
      const why = timedOut ? `timed out after ${options.timeoutMs} ms` : detail.split("\n").filter(Boolean).slice(-5).join(" | ");
      // The whole stderr rides along as the cause, for callers that classify failures.
      reject(new WrennError(timedOut ? "timeout" : "internal_error", `${describe(cmd, args)} failed: ${why}`, { cause: new Error(stderr) }));
    });
  });
}

function describe(cmd: string, args: string[]): string {
  const shown = [cmd, ...args.slice(0, 4)].join(" ");
  return args.length > 4 ? `${shown} …` : shown;
}
