import "../dispose.js";
import { Commands } from "../commands/commands.js";
import { resolveConfig, type ConnectionOptions } from "../config.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { Files } from "../files/files.js";
import { Git } from "../git/git.js";
import { Pty } from "../pty/pty.js";
import { HttpClient } from "../transport/http.js";
import {
  capsuleInfoOf,
  secondsOf,
  templateInfoOf,
  type CapsuleCreateOptions,
  type CapsuleInfo,
  type CapsuleJson,
  type CapsuleListOptions,
  type CapsuleMetric,
  type MetricsRange,
  type TemplateInfo,
  type TemplateJson,
} from "./types.js";

/** Creating a capsule boots (or restores) it: allow more than an ordinary call. */
const CREATE_TIMEOUT_MS = 120_000;

function createBody(options: CapsuleCreateOptions): Record<string, unknown> {
  const n = options.network;
  return {
    ...(options.template !== undefined ? { template: options.template } : {}),
    ...(options.vcpus !== undefined ? { vcpus: options.vcpus } : {}),
    ...(options.memoryMb !== undefined ? { memory_mb: options.memoryMb } : {}),
    ...(options.timeoutMs !== undefined ? { timeout_sec: secondsOf(options.timeoutMs, "timeoutMs") } : {}),
    ...(options.envs !== undefined ? { envs: options.envs } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
    ...(n !== undefined
      ? {
          network: {
            ...(n.egress !== undefined ? { egress: n.egress } : {}),
            ...(n.allowCidrs !== undefined ? { allow_cidrs: n.allowCidrs } : {}),
            ...(n.allowDomains !== undefined ? { allow_domains: n.allowDomains } : {}),
          },
        }
      : {}),
  };
}

/**
 * A capsule: an isolated machine for running untrusted code, with `commands`, `files`,
 * `pty` and `git`. Create one with `Capsule.create()`; `await using` kills it at the end
 * of the block.
 *
 * @example
 * ```ts
 * import { Capsule } from "wrenn";
 *
 * await using capsule = await Capsule.create({ template: "minimal" });
 * const { stdout } = await capsule.commands.run("echo hello from $(hostname)");
 * console.log(stdout);
 * ```
 */
export class Capsule implements AsyncDisposable {
  /** Run commands and manage processes. */
  readonly commands: Commands;
  /** Read, write, list and watch files. */
  readonly files: Files;
  /** Interactive terminals. */
  readonly pty: Pty;
  /** Git, through commands, with one-shot credentials. */
  readonly git: Git;

  private constructor(
    /** The capsule's id (`cl-…`). */
    readonly capsuleId: string,
    private readonly http: HttpClient,
  ) {
    this.commands = new Commands(http, capsuleId);
    this.files = new Files(http, capsuleId);
    this.pty = new Pty(http, capsuleId);
    this.git = new Git(this.commands);
  }

  /**
   * Same as `capsuleId`.
   *
   * @example
   * ```ts
   * console.log(capsule.id); // "cl-…"
   * ```
   */
  get id(): string {
    return this.capsuleId;
  }

  /**
   * Creates a capsule and resolves once it is running.
   *
   * @example
   * ```ts
   * const capsule = await Capsule.create({ template: "minimal", vcpus: 2, memoryMb: 1024, timeoutMs: 10 * 60_000, metadata: { job: "42" } });
   * ```
   */
  static async create(options: CapsuleCreateOptions = {}): Promise<Capsule> {
    const http = new HttpClient(resolveConfig(options));
    const json = await http.json<CapsuleJson>("POST", "/capsules", { json: createBody(options), timeoutMs: Math.max(http.config.requestTimeoutMs, CREATE_TIMEOUT_MS) });
    return new Capsule(json.id, http);
  }

  /**
   * Connects to an existing capsule by id; a paused one is resumed first.
   *
   * @example
   * ```ts
   * const capsule = await Capsule.connect("cl-4f9k2m8q1z7x3c6v5b0n2h8j1");
   * ```
   */
  static async connect(capsuleId: string, options: ConnectionOptions & { timeoutMs?: number } = {}): Promise<Capsule> {
    if (typeof capsuleId !== "string" || capsuleId === "") throw new InvalidArgumentError("capsuleId must be a capsule id such as cl-…", { code: "invalid_request" });
    const capsule = new Capsule(capsuleId, new HttpClient(resolveConfig(options)));
    const info = await capsule.getInfo();
    if (info.status === "paused") await capsule.resume(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
    return capsule;
  }

  /**
   * Lists the team's capsules (every status but stopped).
   *
   * @example
   * ```ts
   * const running = await Capsule.list({ status: "running", metadata: { job: "42" } });
   * ```
   */
  static async list(options: CapsuleListOptions = {}): Promise<CapsuleInfo[]> {
    const http = new HttpClient(resolveConfig(options));
    const metadata = Object.entries(options.metadata ?? {}).map(([k, v]) => `${k}:${v}`);
    const path = metadata.length > 0 ? `/capsules?${metadata.map((m) => `metadata=${encodeURIComponent(m)}`).join("&")}` : "/capsules";
    const rows = await http.json<CapsuleJson[]>("GET", path, { query: { status: options.status } });
    return rows.map(capsuleInfoOf);
  }

  /**
   * Kills a capsule by id. Resolves `false` when it did not exist (or was already gone).
   *
   * @example
   * ```ts
   * await Capsule.kill("cl-4f9k2m8q1z7x3c6v5b0n2h8j1");
   * ```
   */
  static async kill(capsuleId: string, options: ConnectionOptions = {}): Promise<boolean> {
    return new Capsule(capsuleId, new HttpClient(resolveConfig(options))).kill();
  }

  /**
   * Lists the templates capsules can be created from: built-in images and the team's snapshots.
   *
   * @example
   * ```ts
   * const snapshots = await Capsule.listTemplates({ type: "snapshot" });
   * ```
   */
  static async listTemplates(options: ConnectionOptions & { type?: "base" | "snapshot" } = {}): Promise<TemplateInfo[]> {
    const http = new HttpClient(resolveConfig(options));
    const rows = await http.json<TemplateJson[]>("GET", "/snapshots", { query: { type: options.type } });
    return rows.map(templateInfoOf);
  }

  /**
   * Deletes one of the team's snapshots. Resolves `false` when there was none of that name.
   *
   * @example
   * ```ts
   * await Capsule.deleteSnapshot("my-env");
   * ```
   */
  static async deleteSnapshot(name: string, options: ConnectionOptions = {}): Promise<boolean> {
    const http = new HttpClient(resolveConfig(options));
    try {
      await http.json("DELETE", `/snapshots/${encodeURIComponent(name)}`);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  private call(method: string, op: string, body?: unknown): Promise<CapsuleJson> {
    return this.http.json<CapsuleJson>(method, `/capsules/${this.capsuleId}${op}`, body !== undefined ? { json: body } : {});
  }

  /**
   * The capsule's current state and specs.
   *
   * @example
   * ```ts
   * const { status, template, createdAt } = await capsule.getInfo();
   * ```
   */
  async getInfo(): Promise<CapsuleInfo> {
    return capsuleInfoOf(await this.call("GET", ""));
  }

  /**
   * True when the capsule exists and is running.
   *
   * @example
   * ```ts
   * if (!(await capsule.isRunning())) await capsule.resume();
   * ```
   */
  async isRunning(): Promise<boolean> {
    try {
      return (await this.getInfo()).status === "running";
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Pauses the capsule: memory and disk are kept, nothing runs, it costs no CPU or RAM.
   *
   * @example
   * ```ts
   * await capsule.pause();
   * ```
   */
  async pause(): Promise<CapsuleInfo> {
    return capsuleInfoOf(await this.call("POST", "/pause"));
  }

  /**
   * Resumes a paused capsule where it left off; `timeoutMs` sets a new idle timeout.
   *
   * @example
   * ```ts
   * await capsule.resume({ timeoutMs: 10 * 60_000 });
   * ```
   */
  async resume(options: { timeoutMs?: number } = {}): Promise<CapsuleInfo> {
    const body = options.timeoutMs !== undefined ? { timeout_sec: secondsOf(options.timeoutMs, "timeoutMs") } : {};
    return capsuleInfoOf(await this.call("POST", "/resume", body));
  }

  /**
   * Destroys the capsule and everything in it. Resolves `false` when it was already gone.
   *
   * @example
   * ```ts
   * await capsule.kill();
   * ```
   */
  async kill(): Promise<boolean> {
    try {
      await this.http.json("DELETE", `/capsules/${this.capsuleId}`);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Resets the idle timer, so the capsule is not paused for inactivity.
   *
   * @example
   * ```ts
   * setInterval(() => void capsule.ping(), 60_000);
   * ```
   */
  async ping(): Promise<void> {
    await this.call("POST", "/ping");
  }

  /**
   * Changes the idle timeout (ms; 0 = never pause automatically) and restarts the timer.
   *
   * @example
   * ```ts
   * await capsule.setTimeout(30 * 60_000);
   * ```
   */
  async setTimeout(timeoutMs: number): Promise<void> {
    await this.call("POST", "/timeout", { timeout_sec: secondsOf(timeoutMs, "timeoutMs") });
  }

  /**
   * CPU, memory and disk samples over a range (default the last 5 minutes).
   *
   * @example
   * ```ts
   * const points = await capsule.getMetrics({ range: "10m" });
   * console.log(points.at(-1)?.memBytes);
   * ```
   */
  async getMetrics(options: { range?: MetricsRange } = {}): Promise<CapsuleMetric[]> {
    const { points } = await this.http.json<{ points: Array<{ ts: string; cpu_pct: number; mem_bytes: number; disk_bytes: number }> }>(
      "GET",
      `/capsules/${this.capsuleId}/metrics`,
      { query: { range: options.range } },
    );
    return points.map((p) => ({ timestamp: new Date(p.ts), cpuPct: p.cpu_pct, memBytes: p.mem_bytes, diskBytes: p.disk_bytes }));
  }

  /**
   * The host name that reaches `port` inside the capsule (host-based proxying):
   * `{port}-{capsuleId}.{domain}`.
   *
   * @example
   * ```ts
   * await capsule.commands.run("python3 -m http.server 8000", { background: true });
   * const url = `https://${capsule.getHost(8000)}/`;
   * ```
   */
  getHost(port: number): string {
    return `${checkPort(port)}-${this.capsuleId}.${this.http.config.domain}`;
  }

  /**
   * A URL that reaches `port` inside the capsule through the API (path-based proxying;
   * requests need the API key header).
   *
   * @example
   * ```ts
   * const res = await fetch(capsule.getUrl(8000), { headers: { "X-API-Key": apiKey } });
   * ```
   */
  getUrl(port: number): string {
    return `${this.http.config.apiUrl}/v1/capsules/${this.capsuleId}/ports/${checkPort(port)}/`;
  }

  /**
   * Snapshots the capsule (memory and disk) into a template; new capsules created from it
   * start where this one was. The capsule keeps running.
   *
   * @example
   * ```ts
   * const template = await capsule.createSnapshot("my-env");
   * const copy = await Capsule.create({ template: template.name });
   * ```
   */
  async createSnapshot(name?: string, options: { overwrite?: boolean } = {}): Promise<TemplateInfo> {
    const json = await this.http.json<TemplateJson>("POST", "/snapshots", {
      json: { capsule_id: this.capsuleId, ...(name !== undefined ? { name } : {}), ...(options.overwrite ? { overwrite: true } : {}) },
      timeoutMs: Math.max(this.http.config.requestTimeoutMs, CREATE_TIMEOUT_MS),
    });
    return templateInfoOf(json);
  }

  /**
   * Kills the capsule; called by `await using` at the end of the block.
   *
   * @example
   * ```ts
   * {
   *   await using capsule = await Capsule.create();
   *   await capsule.commands.run("make test");
   * } // killed here, also when the block throws
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`port ${port} is not a TCP port (1–65535)`, { code: "invalid_request" });
  return port;
}
