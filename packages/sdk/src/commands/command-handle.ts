import { Utf8Stream, fromBase64, toBytes } from "../encoding.js";
import { CommandExitError, TimeoutError, WrennError } from "../errors.js";
import type { JsonSocket, SocketMessage } from "../transport/socket.js";
import type { ProcessControl } from "./process-control.js";
import type { CommandResult } from "./types.js";

/** Output bytes of a stream event: text in `data`, or base64 when `encoding` says so (bytes that are not UTF-8). */
export function outputOf(message: SocketMessage): Uint8Array {
  const data = typeof message.data === "string" ? message.data : "";
  return message.encoding === "base64" ? fromBase64(data) : toBytes(data);
}

/**
 * A command that is running (or was) in a capsule: its pid, its output so far, and the
 * means to wait for it, feed it and stop it. Returned by `commands.run(cmd, { background: true })`
 * and `commands.connect(pid)`.
 *
 * @example
 * ```ts
 * const server = await capsule.commands.run("python3 -m http.server 8000", { background: true });
 * // ... use the server ...
 * await server.kill();
 * ```
 */
export class CommandHandle {
  private out = "";
  private err = "";
  private readonly outDecoder = new Utf8Stream();
  private readonly errDecoder = new Utf8Stream();
  private settled: { result?: CommandResult; error?: WrennError } | undefined;
  private readonly done: Promise<CommandResult>;
  private resolveDone!: (result: CommandResult) => void;
  private rejectDone!: (error: WrennError) => void;
  private deadline: NodeJS.Timeout | undefined;
  private timedOut = false;

  /** @internal Use `commands.run` or `commands.connect`. */
  constructor(
    /** The process id inside the capsule. */
    readonly pid: number,
    /** The tag it was started with, if any. */
    readonly tag: string | undefined,
    private readonly control: ProcessControl,
    private readonly socket: JsonSocket | undefined,
    private readonly callbacks: { onStdout?: ((data: string) => void) | undefined; onStderr?: ((data: string) => void) | undefined },
    private readonly timeoutMs = 0,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // wait() may never be called (fire-and-forget background work): no unhandled rejection.
    this.done.catch(() => {});
    if (timeoutMs && timeoutMs > 0) this.deadline = setTimeout(() => void this.onDeadline(), timeoutMs);
    this.deadline?.unref?.();
  }

  /** @internal Feeds one stream event (stdout, stderr, exit). */
  handle(message: SocketMessage): void {
    switch (message.type) {
      case "stdout":
        this.emit("out", this.outDecoder.push(outputOf(message)));
        break;
      case "stderr":
        this.emit("err", this.errDecoder.push(outputOf(message)));
        break;
      case "exit": {
        this.emit("out", this.outDecoder.end());
        this.emit("err", this.errDecoder.end());
        const exitCode = typeof message.exit_code === "number" ? message.exit_code : -1;
        const error = typeof message.error === "string" && message.error ? message.error : undefined;
        this.finish({ result: { stdout: this.out, stderr: this.err, exitCode, ...(error ? { error } : {}) } });
        break;
      }
    }
  }

  /** @internal The stream failed or closed. */
  fail(error: WrennError): void {
    this.finish({ error });
  }

  private emit(which: "out" | "err", text: string): void {
    if (!text) return;
    if (which === "out") {
      this.out += text;
      this.callbacks.onStdout?.(text);
    } else {
      this.err += text;
      this.callbacks.onStderr?.(text);
    }
  }

  private finish(outcome: { result?: CommandResult; error?: WrennError }): void {
    if (this.settled) return;
    // The exit caused by our own deadline kill (or the server's backstop) is a timeout.
    if (this.timedOut && outcome.result) outcome = { error: this.timeoutError() };
    this.settled = outcome;
    clearTimeout(this.deadline);
    if (outcome.result) this.resolveDone(outcome.result);
    else this.rejectDone(outcome.error!);
    void this.socket?.close();
  }

  private async onDeadline(): Promise<void> {
    if (this.settled) return;
    this.timedOut = true;
    await this.control.kill(this.pid, "SIGKILL").catch(() => false);
    this.finish({ error: this.timeoutError() });
  }

  private timeoutError(): TimeoutError {
    return new TimeoutError(
      `command ${this.pid} ran past its timeout of ${this.timeoutMs} ms and was killed. Next: pass a larger timeoutMs (0 = none), or run it with { background: true }`,
      { code: "timeout" },
    );
  }

  /**
   * Everything the command has written to stdout so far.
   *
   * @example
   * ```ts
   * if (handle.stdout.includes("listening")) console.log("server is up");
   * ```
   */
  get stdout(): string {
    return this.out;
  }

  /**
   * Everything the command has written to stderr so far.
   *
   * @example
   * ```ts
   * console.error(handle.stderr);
   * ```
   */
  get stderr(): string {
    return this.err;
  }

  /**
   * The exit code once the command has ended, else `undefined`.
   *
   * @example
   * ```ts
   * if (handle.exitCode === undefined) await handle.kill();
   * ```
   */
  get exitCode(): number | undefined {
    return this.settled?.result?.exitCode;
  }

  /**
   * Waits for the command to end. Resolves with its result when it exits with 0;
   * throws `CommandExitError` (with stdout, stderr and exitCode) otherwise.
   *
   * @example
   * ```ts
   * const handle = await capsule.commands.run("sleep 1; echo done", { background: true });
   * const { stdout } = await handle.wait(); // "done\n"
   * ```
   */
  async wait(): Promise<CommandResult> {
    const result = await this.done;
    if (result.exitCode !== 0) throw new CommandExitError(result.exitCode, result.stdout, result.stderr, result.error);
    return result;
  }

  /**
   * Stops the command (SIGKILL by default). Resolves `true` when signalled, `false` when
   * it had already ended.
   *
   * @example
   * ```ts
   * const handle = await capsule.commands.run("sleep 600", { background: true });
   * await handle.kill();
   * ```
   */
  async kill(signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): Promise<boolean> {
    if (this.settled?.result) return false;
    return this.control.kill(this.pid, signal);
  }

  /**
   * Writes to the command's stdin. Pass `{ close: true }` to close stdin afterwards (EOF).
   *
   * @example
   * ```ts
   * const cat = await capsule.commands.run("cat", { background: true, onStdout: console.log });
   * await cat.sendStdin("hello\n", { close: true });
   * await cat.wait();
   * ```
   */
  async sendStdin(data: string | Uint8Array, options: { close?: boolean } = {}): Promise<void> {
    await this.control.sendStdin(this.pid, data, options.close ?? false);
  }

  /**
   * Closes the command's stdin (EOF), e.g. for `cat` or `wc` to finish.
   *
   * @example
   * ```ts
   * const wc = await capsule.commands.run("wc -c", { background: true });
   * await wc.sendStdin("abc");
   * await wc.closeStdin();
   * console.log((await wc.wait()).stdout); // "3\n"
   * ```
   */
  async closeStdin(): Promise<void> {
    await this.control.sendStdin(this.pid, "", true);
  }

  /**
   * Stops receiving output; the command keeps running in the capsule and can be found
   * again with `commands.connect(pid)`. `wait()` rejects afterwards.
   *
   * @example
   * ```ts
   * const job = await capsule.commands.run("sleep 600", { background: true });
   * await job.disconnect();
   * const again = await capsule.commands.connect(job.pid);
   * ```
   */
  async disconnect(): Promise<void> {
    this.finish({ error: new WrennError(`disconnected from command ${this.pid}; it keeps running: reattach with commands.connect(${this.pid})`, { code: "disconnected" }) });
    await this.socket?.close();
  }
}
