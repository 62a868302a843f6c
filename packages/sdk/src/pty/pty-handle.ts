import { fromBase64, toBase64, toBytes } from "../encoding.js";
import { WrennError } from "../errors.js";
import type { JsonSocket, SocketMessage } from "../transport/socket.js";

/** How a terminal ended. */
export interface PtyExit {
  exitCode: number;
  /** envd's description of an abnormal end, e.g. `signal: killed`. */
  error?: string;
}

/** Terminal size in character cells. */
export interface PtySize {
  cols: number;
  rows: number;
}

/** Largest input sent in one message (the API takes JSON messages of up to 1 MiB). */
const INPUT_CHUNK_BYTES = 256 * 1024;

/**
 * An interactive terminal in a capsule. Output goes to the `onData` callback; the
 * session outlives this connection (`disconnect()`, then `pty.connect(tag)`).
 *
 * @example
 * ```ts
 * const term = await capsule.pty.create({ cols: 80, rows: 24, onData: (d) => process.stdout.write(d) });
 * await term.sendInput("ls\n");
 * await term.sendInput("exit\n");
 * await term.wait();
 * ```
 */
export class PtyHandle {
  private exited: PtyExit | undefined;
  private failure: WrennError | undefined;
  private readonly done: Promise<PtyExit>;

  /** @internal Use `pty.create` or `pty.connect`. */
  constructor(
    /** The terminal's tag: reconnect with `pty.connect(tag)`. */
    readonly tag: string,
    /** The pid of the terminal's process (its shell). */
    readonly pid: number,
    private readonly socket: JsonSocket,
    private readonly onData: (data: Uint8Array) => void,
    done: Promise<PtyExit>,
  ) {
    this.done = done.then((exit) => (this.exited = exit));
    this.done.catch((err: WrennError) => (this.failure = err));
  }

  /** @internal Output of the terminal. */
  deliver(message: SocketMessage): void {
    if (message.type === "output" && typeof message.data === "string") this.onData(fromBase64(message.data));
  }

  /**
   * The exit status once the terminal has ended, else `undefined`.
   *
   * @example
   * ```ts
   * if (term.exitCode === undefined) await term.kill();
   * ```
   */
  get exitCode(): number | undefined {
    return this.exited?.exitCode;
  }

  /**
   * Types into the terminal (keystrokes, e.g. `"ls\n"` or `"\x03"` for Ctrl-C).
   *
   * @example
   * ```ts
   * await term.sendInput("echo hi\n");
   * ```
   */
  async sendInput(data: string | Uint8Array): Promise<void> {
    this.assertAttached();
    const bytes = toBytes(data);
    for (let offset = 0; offset < bytes.length; offset += INPUT_CHUNK_BYTES) {
      await this.socket.send({ type: "input", data: toBase64(bytes.subarray(offset, offset + INPUT_CHUNK_BYTES)) });
    }
  }

  /**
   * Changes the terminal size (the program inside gets SIGWINCH).
   *
   * @example
   * ```ts
   * await term.resize({ cols: 120, rows: 40 });
   * ```
   */
  async resize(size: PtySize): Promise<void> {
    this.assertAttached();
    await this.socket.send({ type: "resize", cols: size.cols, rows: size.rows });
  }

  /**
   * Ends the terminal (its process is killed). Resolves once it has exited.
   *
   * @example
   * ```ts
   * await term.kill();
   * ```
   */
  async kill(): Promise<PtyExit> {
    if (this.exited) return this.exited;
    this.assertAttached();
    await this.socket.send({ type: "kill" });
    return this.done;
  }

  /**
   * Waits for the terminal to end and resolves with its exit status (it does not throw for
   * a non-zero code: a shell's last status is rarely an error).
   *
   * @example
   * ```ts
   * await term.sendInput("exit 3\n");
   * const { exitCode } = await term.wait(); // 3
   * ```
   */
  wait(): Promise<PtyExit> {
    return this.done;
  }

  /**
   * Closes this connection; the terminal keeps running. Reattach with `pty.connect(tag)`.
   *
   * @example
   * ```ts
   * await term.disconnect();
   * const again = await capsule.pty.connect(term.tag, { onData: (d) => process.stdout.write(d) });
   * ```
   */
  async disconnect(): Promise<void> {
    await this.socket.close();
  }

  private assertAttached(): void {
    if (this.failure) throw this.failure;
    if (this.exited) throw new WrennError(`terminal ${this.tag} has exited (code ${this.exited.exitCode})`, { code: "invalid_state" });
    if (this.socket.closed) throw new WrennError(`disconnected from terminal ${this.tag}: reattach with pty.connect("${this.tag}")`, { code: "disconnected" });
  }
}
