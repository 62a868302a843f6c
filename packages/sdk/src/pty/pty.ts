import { WrennError } from "../errors.js";
import type { HttpClient } from "../transport/http.js";
import { JsonSocket, type SocketMessage } from "../transport/socket.js";
import { PtyHandle, type PtyExit } from "./pty-handle.js";

export interface PtyCreateOptions {
  /** Width in columns (default 80). */
  cols?: number;
  /** Height in rows (default 24). */
  rows?: number;
  /** Receives the terminal's output bytes. */
  onData: (data: Uint8Array) => void;
  /** Program to run (default `/bin/bash`) and its arguments. */
  cmd?: string;
  args?: string[];
  cwd?: string;
  envs?: Record<string, string>;
  /** User to run as (default: the template's user). */
  user?: string;
  /** Name to reconnect by (default: chosen by the server). */
  tag?: string;
}

export interface PtyConnectOptions {
  /** Receives the terminal's output bytes from now on (earlier output is not replayed). */
  onData: (data: Uint8Array) => void;
}

/**
 * Interactive terminals in a capsule. Reach it as `capsule.pty`.
 *
 * @example
 * ```ts
 * const term = await capsule.pty.create({ onData: (d) => process.stdout.write(d) });
 * await term.sendInput("uname -a\n");
 * ```
 */
export class Pty {
  /** @internal */
  constructor(
    private readonly http: HttpClient,
    private readonly capsuleId: string,
  ) {}

  /**
   * Opens a new terminal running a login shell (or `cmd`). Resolves once it runs.
   *
   * @example
   * ```ts
   * const term = await capsule.pty.create({ cols: 100, rows: 30, onData: (d) => process.stdout.write(d), envs: { TERM: "xterm-256color" } });
   * ```
   */
  async create(options: PtyCreateOptions): Promise<PtyHandle> {
    return this.attach(
      {
        type: "start",
        cmd: options.cmd ?? "/bin/bash",
        args: options.args ?? (options.cmd ? [] : ["-l"]),
        cols: options.cols ?? 80,
        rows: options.rows ?? 24,
        ...(options.envs ? { envs: { TERM: "xterm-256color", ...options.envs } } : { envs: { TERM: "xterm-256color" } }),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.user ? { user: options.user } : {}),
        ...(options.tag ? { tag: options.tag } : {}),
      },
      options.onData,
    );
  }

  /**
   * Reattaches to a running terminal by its tag.
   *
   * @example
   * ```ts
   * const term = await capsule.pty.connect(savedTag, { onData: (d) => process.stdout.write(d) });
   * ```
   */
  async connect(tag: string, options: PtyConnectOptions): Promise<PtyHandle> {
    return this.attach({ type: "connect", tag }, options.onData);
  }

  private async attach(first: SocketMessage, onData: (data: Uint8Array) => void): Promise<PtyHandle> {
    const socket = await JsonSocket.open(this.http, `/capsules/${this.capsuleId}/pty`);
    let resolveDone!: (exit: PtyExit) => void;
    let rejectDone!: (err: WrennError) => void;
    const done = new Promise<PtyExit>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const handle = new Promise<PtyHandle>((resolve, reject) => {
      let bound: PtyHandle | undefined;
      let lastError: WrennError | undefined;
      socket.attach({
        onMessage(message) {
          if (message.type === "started") {
            bound = new PtyHandle(String(message.tag ?? ""), typeof message.pid === "number" ? message.pid : 0, socket, onData, done);
            resolve(bound);
          } else if (message.type === "exit") {
            const exitCode = typeof message.exit_code === "number" ? message.exit_code : -1;
            resolveDone({ exitCode, ...(typeof message.error === "string" && message.error ? { error: message.error } : {}) });
            void socket.close();
          } else {
            bound?.deliver(message);
          }
        },
        onError(error) {
          lastError = error;
        },
        onClose(code, reason) {
          const error =
            lastError ??
            new WrennError(
              bound
                ? `disconnected from terminal ${bound.tag} (${code}${reason ? `: ${reason}` : ""}); it may still run: reattach with pty.connect("${bound.tag}")`
                : `the terminal connection closed before it started (${code}${reason ? `: ${reason}` : ""})`,
              { code: "disconnected" },
            );
          if (!bound) reject(error);
          rejectDone(error);
        },
      });
    });
    done.catch(() => {});
    // A refusal arrives as an error + close and rejects `handle` with the API's reason.
    void socket.send(first).catch(() => {});
    return handle;
  }
}
