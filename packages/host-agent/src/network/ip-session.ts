import { spawn, type ChildProcess } from "node:child_process";
import { toolFailed } from "./exec.js";

/** One `ip` command line (without the leading `ip`); `optional` ones may fail silently. */
export type IpCommand = string | { cmd: string; optional: true };

/**
 * An unknown object: `ip -force -batch` answers it with `Command failed -:<line>` on
 * stderr, which tells us every line before it has been executed.
 */
const SYNC = "wrenn-sync";

interface Pending {
  first: number;
  last: number;
  commands: IpCommand[];
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A long-lived `ip -force -batch -` process fed over stdin. Spawning `ip` costs ~2.5 ms
 * from Node, a batch round trip ~0.1 ms, so the host side of every capsule network goes
 * through one session. With `netns`, the process runs inside that namespace (`ip -n`):
 * the warm pool keeps one per pair, both to configure the capsule end later without a
 * spawn and as the process whose PID names the namespace for `netns attach`.
 *
 * Batches are serialized by the process itself; errors are matched to their line by the
 * `Command failed -:<line>` that `-force` prints after each failing command.
 */
export class IpSession {
  private line = 0;
  private stderr = "";
  private readonly pending: Pending[] = [];
  private readonly failures = new Map<number, string>();
  private exitReason: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stdin!.on("error", () => {});
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => this.onStderr(chunk));
    child.on("error", (e: NodeJS.ErrnoException) => this.onExit(e.code === "ENOENT" ? "ip is not installed" : e.message));
    child.on("close", (code, signal) => this.onExit(`exited (${code ?? signal}): ${this.stderr}`));
    this.updateRef();
  }

  /** Starts a session (inside `netns` when given) and waits until it answers. */
  static async open(netns?: string): Promise<IpSession> {
    const args = netns === undefined ? ["-force", "-batch", "-"] : ["-n", netns, "-force", "-batch", "-"];
    const session = new IpSession(spawn("ip", args, { stdio: ["pipe", "ignore", "pipe"] }), netns === undefined ? "ip" : `ip -n ${netns}`);
    try {
      await session.run([]);
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitReason === undefined;
  }

  /**
   * Runs the commands in order; resolves when all ran, rejects with the first failure of
   * a non-optional command (later commands still ran: callers undo by name).
   */
  run(commands: IpCommand[], timeoutMs = 10_000): Promise<void> {
    if (this.exitReason !== undefined) return Promise.reject(toolFailed(`${this.label} -batch`, this.exitReason));
    const text = commands.map((c) => (typeof c === "string" ? c : c.cmd));
    for (const t of text) if (t.includes("\n")) throw new Error(`ip command must be one line: ${JSON.stringify(t)}`);
    const first = this.line + 1;
    this.line += text.length + 1;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        this.onExit(`no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      timer.unref();
      this.pending.push({ first, last: this.line, commands, resolve, reject, timer });
      this.updateRef();
      this.child.stdin!.write([...text, SYNC].join("\n") + "\n");
    });
  }

  /** Ends the session; the process exits once it has run what it was sent. */
  close(): void {
    this.child.stdin!.end();
  }

  private onStderr(chunk: string): void {
    this.stderr += chunk;
    for (;;) {
      const m = /Command failed -:(\d+)\n/.exec(this.stderr);
      if (!m) break;
      const message = this.stderr.slice(0, m.index).trim();
      this.stderr = this.stderr.slice(m.index + m[0].length);
      const line = Number(m[1]);
      const head = this.pending[0];
      if (head && line === head.last) this.settle(head);
      else this.failures.set(line, message);
    }
    // Keep only a tail of unexplained output (shown if the process dies).
    if (this.stderr.length > 8192) this.stderr = this.stderr.slice(-4096);
  }

  private settle(p: Pending): void {
    this.pending.shift();
    clearTimeout(p.timer);
    let error: Error | undefined;
    for (let line = p.first; line < p.last; line++) {
      const message = this.failures.get(line);
      if (message === undefined) continue;
      this.failures.delete(line);
      const command = p.commands[line - p.first]!;
      if (typeof command === "string" && !error) error = toolFailed(`${this.label} ${command}`, message);
    }
    this.updateRef();
    if (error) p.reject(error);
    else p.resolve();
  }

  private onExit(reason: string): void {
    if (this.exitReason !== undefined) return;
    this.exitReason = reason;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(toolFailed(`${this.label} -batch`, reason));
    }
    this.updateRef();
  }

  /** Idle sessions must not keep the agent (or a test run) alive. */
  private updateRef(): void {
    const busy = this.pending.length > 0;
    const handles = [this.child, this.child.stdin, this.child.stderr] as { ref?: () => void; unref?: () => void }[];
    for (const h of handles) (busy ? h?.ref : h?.unref)?.call(h);
  }
}
