import { spawn } from "node:child_process";
import { WrennError } from "@wrenn/core";

/**
 * The one place where a failed `ip`, `iptables*` or sysctl call becomes an error:
 * WrennError("internal_error", "<command> failed: <detail>"). `ip-session.ts` and
 * `sysctl.ts` use it too.
 */
export function toolFailed(command: string, detail: string, cause?: unknown): WrennError {
  const text = detail.trim().split("\n").filter(Boolean).slice(-5).join(" | ") || "no output";
  return new WrennError("internal_error", `${command} failed: ${text}`, { cause });
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs one host command to completion, feeding `input` on stdin. */
export function runTool(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; /** Adds context to stderr, e.g. the input line that failed. */ explain?: (stderr: string) => string } = {},
): Promise<ToolResult> {
  const command = [cmd, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    if (child.stdin) {
      // A command that fails early closes its stdin; its exit status tells the story.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(toolFailed(command, e.code === "ENOENT" ? `${cmd} is not installed` : e.message, e));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout, stderr });
      else reject(toolFailed(command, (options.explain ?? ((e) => e))(stderr || stdout || `exit ${code ?? signal}`)));
    });
  });
}
