import { isUtf8 } from "node:buffer";
import type { FastifyReply } from "fastify";
import type { Deps } from "../deps.js";
import { agentHandlerMs } from "../agent/client.js";

export interface ExecInput {
  cmd: string;
  args?: string[] | undefined;
  envs: Record<string, string>;
  cwd?: string | undefined;
  user?: string | undefined;
  timeout_sec: number;
  stdin?: string | undefined;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exit_code: number;
  duration_ms: number;
  encoding: "utf-8" | "base64";
  timed_out: boolean;
}

/** `cmd` alone with spaces and no `args` is a shell command line: run it with a login bash. */
export function commandLine(cmd: string, args: string[] | undefined): { cmd: string; args: string[] } {
  if (args === undefined && /\s/.test(cmd.trim())) return { cmd: "/bin/bash", args: ["-lc", cmd] };
  return { cmd, args: args ?? [] };
}

/**
 * An AbortSignal that fires when the HTTP client goes away before the answer is sent, so
 * the agent call (and the process or transfer behind it) is cancelled with it.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("the client closed the connection"));
  });
  return controller.signal;
}

/**
 * Runs a command in the foreground; output is UTF-8 when both streams are, else both base64.
 * `timing.agentHandlerMs` receives the agent's own handling time when it reports one.
 */
export async function execForeground(deps: Deps, capsuleId: string, input: ExecInput, signal: AbortSignal, timing: { agentHandlerMs?: number } = {}): Promise<ExecResult> {
  const { cmd, args } = commandLine(input.cmd, input.args);
  const res = await (await deps.fleet.capsuleAgent(capsuleId)).client.exec(
    {
      capsuleId,
      cmd,
      args,
      envs: input.envs,
      cwd: input.cwd ?? "",
      user: input.user ?? "",
      timeoutSec: input.timeout_sec,
      stdin: input.stdin ? Buffer.from(input.stdin, "utf8") : new Uint8Array(),
    },
    // The agent kills the process at timeout_sec; past that plus a grace period the call itself is stuck.
    { signal, timeoutMs: (input.timeout_sec + 30) * 1000, onHeader: (header) => (timing.agentHandlerMs = agentHandlerMs(header)) },
  );
  const stdout = Buffer.from(res.stdout.buffer, res.stdout.byteOffset, res.stdout.byteLength);
  const stderr = Buffer.from(res.stderr.buffer, res.stderr.byteOffset, res.stderr.byteLength);
  const utf8 = isUtf8(stdout) && isUtf8(stderr);
  const encoding = utf8 ? "utf-8" : "base64";
  return {
    stdout: stdout.toString(utf8 ? "utf8" : "base64"),
    stderr: stderr.toString(utf8 ? "utf8" : "base64"),
    exit_code: res.timedOut ? -1 : res.exitCode,
    duration_ms: res.durationMs,
    encoding,
    timed_out: res.timedOut,
  };
}

/** Starts a process that outlives the request; stdin, when given, is written once it runs. */
export async function execBackground(
  deps: Deps,
  capsuleId: string,
  input: ExecInput & { tag?: string | undefined },
): Promise<{ pid: number; tag: string | null }> {
  const { cmd, args } = commandLine(input.cmd, input.args);
  const started = await (await deps.fleet.capsuleAgent(capsuleId)).client.startBackground({
    capsuleId,
    cmd,
    args,
    envs: input.envs,
    cwd: input.cwd ?? "",
    user: input.user ?? "",
    tag: input.tag ?? "",
  });
  if (input.stdin) {
    await (await deps.fleet.capsuleAgent(capsuleId)).client.sendProcessInput({ capsuleId, process: { selector: { case: "pid", value: started.pid } }, data: Buffer.from(input.stdin, "utf8") });
  }
  return { pid: started.pid, tag: started.tag || null };
}
