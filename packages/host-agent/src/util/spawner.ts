import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Starting a process from Node blocks its event loop for as long as the kernel takes to
 * fork it, and that grows with the parent's memory: ~1 ms from a bare Node, 10–20 ms from
 * an agent holding ~500 MB (the embedded database in `wrenn up`). A capsule create runs a
 * dozen commands, and every one of them stalled every request the process was serving.
 *
 * So commands start in a small helper process (plain Node, ~40 MB) that forks them on
 * our behalf: its forks are cheap and block only the helper. Requests and results are JSON
 * lines over its stdin/stdout. A helper that dies fails the commands in flight and is
 * started again on the next request.
 */

export interface SpawnRequest {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the command's stdin, then closed. */
  input?: string;
  /** SIGKILL after this long (`timedOut` in the result). */
  timeoutMs?: number;
  /**
   * The command's stdout and stderr append to this file (opened 0600) instead of being
   * collected, and it runs in a process group of its own (sandboxes outlive the agent).
   */
  outputFile?: string;
  signal?: AbortSignal;
}

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The command could not be started (e.g. ENOENT). */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Starts one request (or kills one, for `{ kill: id }`) and calls `send` with its result.
 * Source text, not a function: it runs in the helper (`node -e`) and, with
 * `WRENN_SPAWN_HELPER=off`, in this process, from the same code. `spawn`, `openSync` and
 * `closeSync` come from the caller.
 */
const START_REQUEST = String.raw`
function startRequest(m, children, send) {
  if (m.kill !== undefined) { children.get(m.kill)?.kill("SIGKILL"); return; }
  let fd;
  const out = [], err = [];
  let timedOut = false, done = false;
  const finish = (r) => { if (done) return; done = true; clearTimeout(timer); children.delete(m.id); send({ id: m.id, ...r }); };
  let child, timer;
  try {
    if (m.outputFile) fd = openSync(m.outputFile, "a", 0o600);
    child = spawn(m.cmd, m.args, {
      stdio: [m.input === undefined ? "ignore" : "pipe", fd ?? "pipe", fd ?? "pipe"],
      env: m.env ?? process.env, cwd: m.cwd, detached: fd !== undefined,
    });
  } catch (e) {
    finish({ error: e.message, errorCode: e.code });
    return;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  children.set(m.id, child);
  child.stdout?.on("data", (b) => out.push(b));
  child.stderr?.on("data", (b) => err.push(b));
  if (m.input !== undefined) { child.stdin.on("error", () => {}); child.stdin.end(m.input); }
  if (m.timeoutMs !== undefined) timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, m.timeoutMs);
  child.on("error", (e) => finish({ error: e.message, errorCode: e.code }));
  child.on("close", (code, signal) => finish({ code, signal, timedOut, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
}
`;

/** The helper's whole program, run as `node -e`: no files to ship, no dependencies. */
const HELPER = String.raw`
// NODE_OPTIONS is for the commands, not for the helper itself (see ensure()).
if (process.env.WRENN_HELPER_NODE_OPTIONS !== undefined) {
  process.env.NODE_OPTIONS = process.env.WRENN_HELPER_NODE_OPTIONS;
  delete process.env.WRENN_HELPER_NODE_OPTIONS;
}
// The agent decides when to stop (it may still need commands to clean up): a Ctrl-C or a
// service manager's SIGTERM to the whole group must not take the helper first. It ends
// when the agent closes its stdin, i.e. when the agent exits.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => {});
const { spawn } = require("node:child_process");
const { openSync, closeSync } = require("node:fs");
${START_REQUEST}
const children = new Map();
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => startRequest(JSON.parse(line), children, send));
process.stdin.on("end", () => process.exit(0));
`;

/** The same requests run in this process (`WRENN_SPAWN_HELPER=off`: for comparison and as a way out). */
function inProcess(onReply: (reply: Reply) => void): (message: object) => void {
  const startRequest = new Function("spawn", "openSync", "closeSync", `${START_REQUEST}; return startRequest;`)(spawn, openSync, closeSync) as (
    m: object,
    children: Map<number, ChildProcess>,
    send: (r: Reply) => void,
  ) => void;
  const children = new Map<number, ChildProcess>();
  return (message) => startRequest(message, children, onReply);
}

interface Waiter {
  resolve: (r: SpawnResult) => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
  timedOut?: boolean;
  error?: string;
  errorCode?: string;
}

export class Spawner {
  private helper: ChildProcess | undefined;
  private readonly local: ((message: object) => void) | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  /** `inProcess`: start commands from this process, no helper. */
  constructor(options: { inProcess?: boolean } = {}) {
    this.local = options.inProcess ? inProcess((reply) => this.onReply(reply)) : undefined;
  }

  run(request: SpawnRequest): Promise<SpawnResult> {
    if (request.signal?.aborted) return Promise.reject(abortError(request.signal));
    const post = this.local ?? this.post(this.ensure());
    const id = this.nextId++;
    const { signal, ...wire } = request;
    return new Promise<SpawnResult>((resolve, reject) => {
      const onAbort = (): void => post({ kill: id });
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.waiting.delete(id);
        this.updateRef();
      };
      this.waiting.set(id, {
        resolve: (r) => {
          settle();
          if (signal?.aborted && r.code !== 0) reject(abortError(signal));
          else resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      this.updateRef();
      post({ id, ...wire });
    });
  }

  private post(helper: ChildProcess): (message: object) => void {
    return (message) => helper.stdin!.write(JSON.stringify(message) + "\n");
  }

  private ensure(): ChildProcess {
    if (this.helper) return this.helper;
    // A plain Node: options meant for us (`--import tsx`, profilers) would slow it and bloat it.
    const { NODE_OPTIONS, ...env } = process.env;
    const helper = spawn(process.execPath, ["-e", HELPER], {
      stdio: ["pipe", "pipe", "inherit"],
      env: NODE_OPTIONS === undefined ? env : { ...env, WRENN_HELPER_NODE_OPTIONS: NODE_OPTIONS },
    });
    this.helper = helper;
    helper.stdin!.on("error", () => {});
    createInterface({ input: helper.stdout! }).on("line", (line) => this.onReply(JSON.parse(line) as Reply));
    const gone = (why: string): void => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      const err = new SpawnError(`the process helper ${why}; the command's outcome is unknown`, undefined);
      for (const waiter of [...this.waiting.values()]) waiter.reject(err);
    };
    helper.on("error", (e) => gone(`failed: ${e.message}`));
    helper.on("exit", (code, signal) => gone(`exited (${code ?? signal})`));
    return helper;
  }

  private onReply(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    if (reply.error !== undefined) {
      waiter.reject(new SpawnError(reply.error, reply.errorCode));
      return;
    }
    waiter.resolve({ code: reply.code ?? null, signal: reply.signal ?? null, stdout: reply.stdout ?? "", stderr: reply.stderr ?? "", timedOut: reply.timedOut ?? false });
  }

  /** An idle helper must not keep the process alive. */
  private updateRef(): void {
    const helper = this.helper;
    if (!helper) return;
    const streams = [helper.stdout as unknown as { ref?(): void; unref?(): void }, helper.stdin as unknown as { ref?(): void; unref?(): void }];
    if (this.waiting.size > 0) {
      helper.ref();
      for (const s of streams) s.ref?.();
    } else {
      helper.unref();
      for (const s of streams) s.unref?.();
    }
  }
}

function abortError(signal: AbortSignal): Error {
  const err = new Error("The operation was aborted", { cause: signal.reason });
  err.name = "AbortError";
  return err;
}

const shared = new Spawner({ inProcess: process.env.WRENN_SPAWN_HELPER === "off" });

/** Runs a command through the shared helper process and resolves with how it ended. */
export function spawnViaHelper(request: SpawnRequest): Promise<SpawnResult> {
  return shared.run(request);
}
