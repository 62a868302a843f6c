import { setTimeout as sleep } from "node:timers/promises";
import { WrennError } from "@wrenn/core";
import type { ProcessSelector, StartRequest } from "@wrenn/proto/envd/process";
import type { EnvdState } from "../state.js";
import type { UserDirectory, UserInfo } from "../users.js";
import type { Logger } from "../log.js";
import { defaultFanoutLimits, type FanoutLimits } from "./fanout.js";
import { launchSpec } from "./launch.js";
import { ManagedProcess, type ProcessHooks } from "./managed-process.js";
import { DEFAULT_DRAIN_AFTER_EXIT_MS, spawnWithPipes } from "./pipes.js";
import { loadPty, ptySize, spawnWithPty } from "./pty.js";
import { noSuchProcess, parseSelector } from "./selector.js";
import type { Watcher } from "./watcher.js";

export interface ProcessManagerOptions {
  /** How often an idle output stream gets a keepalive event (default 30 s). */
  keepaliveIntervalMs?: number;
  /** Per-watcher backpressure thresholds (see Fanout). */
  fanoutLimits?: FanoutLimits;
  /** Output drain time after a process exits, while something else still holds its pipes. */
  drainAfterExitMs?: number;
  /** How long `close()` waits for killed processes to end. */
  closeTimeoutMs?: number;
}

export interface StartedProcess {
  process: ManagedProcess;
  /** Subscribed before the process could write anything, so it sees all output. */
  watcher: Watcher;
}

/** Owns every process envd started: spawn, tags, output fan-out, stdin, signals. */
export class ProcessManager {
  readonly keepaliveIntervalMs: number;
  private readonly fanoutLimits: FanoutLimits;
  private readonly drainAfterExitMs: number;
  private readonly closeTimeoutMs: number;
  /** Running processes by pid and by tag; a process leaves both when it exits. */
  private readonly byPid = new Map<number, ManagedProcess>();
  private readonly byTag = new Map<string, ManagedProcess>();
  /** Every process not yet ended (including those still draining output). */
  private readonly live = new Set<ManagedProcess>();
  private closing = false;
  private readonly hooks: ProcessHooks;

  constructor(
    readonly deps: { state: EnvdState; users: UserDirectory; log: Logger },
    options: ProcessManagerOptions = {},
  ) {
    this.keepaliveIntervalMs = options.keepaliveIntervalMs ?? 30_000;
    this.fanoutLimits = options.fanoutLimits ?? defaultFanoutLimits;
    this.drainAfterExitMs = options.drainAfterExitMs ?? DEFAULT_DRAIN_AFTER_EXIT_MS;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.hooks = {
      exited: (proc) => this.forget(proc),
      ended: (proc, exit) => {
        this.forget(proc);
        this.live.delete(proc);
        // One line per process, at its end: a log write costs as much as the rest of a
        // short Start's bookkeeping. List shows what is running now.
        deps.log.info("process ended", {
          pid: proc.pid,
          cmd: proc.config.cmd,
          tag: proc.tag,
          user: proc.user,
          pty: proc.hasPty,
          status: exit.status,
          ms: Math.round(performance.now() - proc.startedAt),
        });
      },
    };
  }

  /** Number of processes still running. */
  get size(): number {
    return this.byPid.size;
  }

  /**
   * Validates and spawns a process as `user`. A missing or non-executable command fails
   * here (`not_found` / `invalid_request`), before any stream event, for pipes and PTYs alike.
   */
  async start(request: StartRequest, user: UserInfo): Promise<StartedProcess> {
    if (this.closing) throw new WrennError("invalid_state", "envd is shutting down: no new processes");
    // Loaded first so that the checks below and the spawn run in one synchronous step.
    const pty = request.pty ? await loadPty() : undefined;
    const spec = launchSpec(request.process, user, this.deps.state);
    const size = request.pty ? ptySize(request.pty.size, false) : undefined;
    const tag = request.tag || undefined;
    if (tag !== undefined) {
      const holder = this.byTag.get(tag);
      if (holder) {
        throw new WrennError("conflict", `a running process already has tag "${tag}" (pid ${holder.pid}): pick another tag, or Connect to it`);
      }
    }
    const proc = new ManagedProcess(request.process!, tag, user.name, this.fanoutLimits, this.hooks);
    const watcher = proc.watch();
    if (tag !== undefined) this.byTag.set(tag, proc);
    try {
      proc.attach(
        pty && size
          ? spawnWithPty(pty, spec, size, proc)
          : await spawnWithPipes(spec, request.stdin ?? true, proc, this.drainAfterExitMs),
      );
    } catch (err) {
      if (tag !== undefined) this.byTag.delete(tag);
      watcher.close();
      throw err;
    }
    // A pid can come back while an earlier process with it is still draining; the newest wins.
    this.byPid.set(proc.pid, proc);
    this.live.add(proc);
    this.deps.state.events.emit("process");
    return { process: proc, watcher };
  }

  /** The running process a selector names; `not_found` when none. */
  get(selector: ProcessSelector | undefined): ManagedProcess {
    const sel = parseSelector(selector);
    const proc = sel.by === "pid" ? this.byPid.get(sel.pid) : this.byTag.get(sel.tag);
    if (!proc) throw noSuchProcess(sel);
    return proc;
  }

  list(): ManagedProcess[] {
    return [...this.byPid.values()];
  }

  /** Kill everything (SIGKILL) and wait for exits; used on shutdown. */
  async close(): Promise<void> {
    this.closing = true;
    const procs = [...this.live];
    for (const proc of procs) {
      proc.kill("SIGKILL");
      proc.abandonOutput();
    }
    const timeout = new AbortController();
    const ended = await Promise.race([
      Promise.all(procs.map((proc) => proc.ended)).then(() => true),
      sleep(this.closeTimeoutMs, false, { signal: timeout.signal }).catch(() => false),
    ]);
    timeout.abort();
    if (!ended) {
      this.deps.log.warn("processes did not end after SIGKILL", { pids: [...this.live].map((proc) => proc.pid) });
    }
  }

  private forget(proc: ManagedProcess): void {
    if (this.byPid.get(proc.pid) === proc) this.byPid.delete(proc.pid);
    if (proc.tag !== undefined && this.byTag.get(proc.tag) === proc) this.byTag.delete(proc.tag);
  }
}
