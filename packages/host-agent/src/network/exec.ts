import { WrennError } from "@wrenn/core";
import { runCommand, type CommandResult } from "../util/command.js";

/**
 * The one place where a failed `ip`, `iptables*` or sysctl call becomes an error:
 * WrennError("internal_error", "<command> failed: <detail>"). `ip-session.ts` and
 * `sysctl.ts` use it too.
 */
export function toolFailed(command: string, detail: string, cause?: unknown): WrennError {
  const text = detail.trim().split("\n").filter(Boolean).slice(-5).join(" | ") || "no output";
  return new WrennError("internal_error", `${command} failed: ${text}`, { cause });
}

export type ToolResult = CommandResult;

/** Runs one host command to completion (util/command.ts), failing as `toolFailed` does. */
export function runTool(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; /** Adds context to stderr, e.g. the input line that failed. */ explain?: (stderr: string) => string } = {},
): Promise<ToolResult> {
  return runCommand(cmd, args, { ...options, timeoutMs: options.timeoutMs ?? 30_000 });
}
