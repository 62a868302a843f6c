import { WrennError } from "@wrenn/core";
import { SpawnError, spawnViaHelper } from "./spawner.js";

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
 * The command starts in the process helper (util/spawner.ts), so it never stalls the
 * agent's event loop.
 */
export async function runCommand(cmd: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  let result;
  try {
    const { env, cwd, input, timeoutMs, signal } = options;
    result = await spawnViaHelper({ cmd, args, env, cwd, input, timeoutMs, signal });
  } catch (e) {
    const what = e instanceof SpawnError && e.code === "ENOENT" ? `${cmd} is not installed` : (e as Error).message;
    throw new WrennError("internal_error", `${describe(cmd, args)} failed: ${what}`, { cause: e });
  }
  const { stdout, stderr, code, signal, timedOut } = result;
  if (code === 0) return { stdout, stderr };
  const detail = (options.explain ?? ((d: string) => d))(stderr.trim() || stdout.trim() || `exit ${code ?? signal}`);
  const why = timedOut ? `timed out after ${options.timeoutMs} ms` : detail.split("\n").filter(Boolean).slice(-5).join(" | ");
  // The whole stderr rides along as the cause, for callers that classify failures.
  throw new WrennError(timedOut ? "timeout" : "internal_error", `${describe(cmd, args)} failed: ${why}`, { cause: new Error(stderr) });
}

function describe(cmd: string, args: string[]): string {
  const shown = [cmd, ...args.slice(0, 4)].join(" ");
  return args.length > 4 ? `${shown} …` : shown;
}
