import { bytesToText, fromBase64 } from "../encoding.js";
import { CommandExitError, InvalidArgumentError, InvalidStateError, NotFoundError, TimeoutError } from "../errors.js";
import type { HttpClient } from "../transport/http.js";
import { JsonSocket } from "../transport/socket.js";
import type { CommandHandle } from "./command-handle.js";
import { ProcessControl } from "./process-control.js";
import { bindProcessStream } from "./stream.js";
import type { CommandResult, CommandRunOptions, CommandStartOptions, KillSignal, ProcessInfo } from "./types.js";

/** Default deadline of a foreground command. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
/** The REST exec call's limits: longer or bigger runs go over the WebSocket stream. */
const REST_MAX_TIMEOUT_SEC = 3600;
const REST_MAX_STDIN_CHARS = 512 * 1024;

interface ExecAnswer {
  stdout: string;
  stderr: string;
  exit_code: number;
  duration_ms: number;
  encoding: "utf-8" | "base64";
  timed_out?: boolean;
}

interface ProcessJson {
  pid: number;
  tag: string | null;
  cmd: string;
  args: string[];
  cwd: string;
  pty: boolean;
}

/** Every command runs through a login bash, so pipes, globs, `cd` and `~` work as in a terminal. */
const shell = (cmd: string): { cmd: string; args: string[] } => ({ cmd: "/bin/bash", args: ["-lc", cmd] });

const decode = (text: string, encoding: string): string => (encoding === "base64" ? bytesToText(fromBase64(text)) : text);

/**
 * Runs commands in a capsule and manages its processes. Reach it as `capsule.commands`.
 *
 * @example
 * ```ts
 * const { stdout } = await capsule.commands.run("echo hello");
 * ```
 */
export class Commands {
  private readonly control: ProcessControl;

  /** @internal */
  constructor(
    private readonly http: HttpClient,
    private readonly capsuleId: string,
  ) {
    this.control = new ProcessControl(http, capsuleId);
  }

  /**
   * Runs a shell command line (through `bash -lc`). Waits for it and resolves with its
   * output; throws `CommandExitError` when it exits with a non-zero code and `TimeoutError`
   * when it passes `timeoutMs` (default 60 s). With `background: true`, resolves with a
   * {@link CommandHandle} as soon as it starts.
   *
   * @example
   * ```ts
   * const result = await capsule.commands.run("ls -la /home/user", { cwd: "/tmp", envs: { LANG: "C" } });
   * console.log(result.stdout);
   *
   * await capsule.commands.run("for i in 1 2 3; do echo $i; sleep 1; done", {
   *   onStdout: (data) => process.stdout.write(data),
   * });
   *
   * const server = await capsule.commands.run("python3 -m http.server 8000", { background: true });
   * await server.kill();
   * ```
   */
  run(cmd: string, options: CommandRunOptions & { background: true }): Promise<CommandHandle>;
  run(cmd: string, options?: CommandRunOptions & { background?: false }): Promise<CommandResult>;
  run(cmd: string, options?: CommandRunOptions): Promise<CommandResult | CommandHandle>;
  async run(cmd: string, options: CommandRunOptions = {}): Promise<CommandResult | CommandHandle> {
    if (typeof cmd !== "string" || cmd.trim() === "") throw new InvalidArgumentError("cmd must be a non-empty command line, e.g. \"ls -la\"", { code: "invalid_request" });
    const timeoutMs = options.timeoutMs ?? (options.background ? 0 : DEFAULT_COMMAND_TIMEOUT_MS);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new InvalidArgumentError(`timeoutMs is ${timeoutMs}: pass milliseconds ≥ 0 (0 = no deadline)`, { code: "invalid_request" });
    if (options.background) return this.start(cmd, options, timeoutMs);
    if (this.fitsRest(options, timeoutMs)) return this.runRest(cmd, options, timeoutMs);
    const handle = await this.start(cmd, options, timeoutMs);
    return handle.wait();
  }

  private fitsRest(options: CommandRunOptions, timeoutMs: number): boolean {
    if (options.onStdout || options.onStderr) return false;
    if (timeoutMs === 0 || timeoutMs > REST_MAX_TIMEOUT_SEC * 1000) return false;
    return options.stdin === undefined || (typeof options.stdin === "string" && options.stdin.length <= REST_MAX_STDIN_CHARS);
  }

  private async runRest(cmd: string, options: CommandRunOptions, timeoutMs: number): Promise<CommandResult> {
    const timeoutSec = Math.max(1, Math.ceil(timeoutMs / 1000));
    const answer = await this.http.json<ExecAnswer>("POST", `/capsules/${this.capsuleId}/exec`, {
      json: {
        ...shell(cmd),
        ...(options.envs ? { envs: options.envs } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.user ? { user: options.user } : {}),
        timeout_sec: timeoutSec,
        ...(typeof options.stdin === "string" && options.stdin !== "" ? { stdin: options.stdin } : {}),
      },
      timeoutMs: this.http.config.requestTimeoutMs + timeoutSec * 1000,
    });
    const result: CommandResult = { stdout: decode(answer.stdout, answer.encoding), stderr: decode(answer.stderr, answer.encoding), exitCode: answer.exit_code };
    if (answer.timed_out) {
      throw new TimeoutError(`command ran past its timeout of ${timeoutMs} ms and was killed. Next: pass a larger timeoutMs (0 = none), or run it with { background: true }`, {
        code: "timeout",
      });
    }
    if (result.exitCode !== 0) throw new CommandExitError(result.exitCode, result.stdout, result.stderr);
    return result;
  }

  /** Starts a command over the exec WebSocket and returns its handle once it runs. */
  private async start(cmd: string, options: CommandRunOptions, timeoutMs: number): Promise<CommandHandle> {
    const socket = await JsonSocket.open(this.http, `/capsules/${this.capsuleId}/exec/stream`);
    const bound = bindProcessStream(socket, this.control, { onStdout: options.onStdout, onStderr: options.onStderr, timeoutMs, tag: options.tag });
    // A refusal (e.g. the capsule is paused) arrives as an error + close: the stream rejects
    // with it, which says more than the failed send would.
    void socket.send({
      type: "start",
      ...shell(cmd),
      ...(options.envs ? { envs: options.envs } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.user ? { user: options.user } : {}),
      ...(options.tag ? { tag: options.tag } : {}),
      // A backstop in case this client goes away; the client's own deadline fires first.
      ...(timeoutMs > 0 ? { timeout_sec: Math.min(86_400, Math.ceil(timeoutMs / 1000) + 1) } : {}),
    }).catch(() => {});
    const handle = await bound;
    if (options.stdin !== undefined) {
      // A command that ends without reading its stdin makes the write fail; that is its choice.
      await handle.sendStdin(options.stdin, { close: true }).catch((err: unknown) => {
        if (!(err instanceof NotFoundError || err instanceof InvalidStateError)) throw err;
      });
    }
    return handle;
  }

  /**
   * Lists the processes started through the API that are still running (commands and PTYs).
   *
   * @example
   * ```ts
   * for (const p of await capsule.commands.list()) console.log(p.pid, p.tag, p.cmd, p.args);
   * ```
   */
  async list(): Promise<ProcessInfo[]> {
    const rows = await this.http.json<ProcessJson[]>("GET", `/capsules/${this.capsuleId}/processes`);
    return rows.map((p) => ({ pid: p.pid, tag: p.tag ?? undefined, cmd: p.cmd, args: p.args, cwd: p.cwd, pty: p.pty }));
  }

  /**
   * Reattaches to a running command by pid or tag. Output is streamed from now on
   * (earlier output is not replayed).
   *
   * @example
   * ```ts
   * const handle = await capsule.commands.connect(pid, { onStdout: (d) => process.stdout.write(d) });
   * await handle.kill();
   * ```
   */
  async connect(pidOrTag: number | string, options: Pick<CommandStartOptions, "onStdout" | "onStderr"> & { timeoutMs?: number } = {}): Promise<CommandHandle> {
    let knownPid = typeof pidOrTag === "number" ? pidOrTag : undefined;
    if (knownPid === undefined) knownPid = (await this.list()).find((p) => p.tag === pidOrTag)?.pid;
    const socket = await JsonSocket.open(this.http, `/capsules/${this.capsuleId}/processes/${encodeURIComponent(String(pidOrTag))}/stream`);
    return bindProcessStream(socket, this.control, {
      onStdout: options.onStdout,
      onStderr: options.onStderr,
      timeoutMs: options.timeoutMs ?? 0,
      knownPid,
      tag: typeof pidOrTag === "string" ? pidOrTag : undefined,
    });
  }

  /**
   * Signals a process by pid or tag (SIGKILL by default). Resolves `false` when no such
   * process runs.
   *
   * @example
   * ```ts
   * await capsule.commands.kill(handle.pid);
   * await capsule.commands.kill("web-server", "SIGTERM");
   * ```
   */
  kill(pidOrTag: number | string, signal: KillSignal = "SIGKILL"): Promise<boolean> {
    return this.control.kill(pidOrTag, signal);
  }

  /**
   * Writes to a running process's stdin by pid or tag; `{ close: true }` closes stdin after.
   *
   * @example
   * ```ts
   * await capsule.commands.sendStdin(handle.pid, "quit\n", { close: true });
   * ```
   */
  sendStdin(pidOrTag: number | string, data: string | Uint8Array, options: { close?: boolean } = {}): Promise<void> {
    return this.control.sendStdin(pidOrTag, data, options.close ?? false);
  }
}
