import type { Commands } from "../commands/commands.js";
import type { CommandResult } from "../commands/types.js";
import { InvalidArgumentError } from "../errors.js";
import { authorEnvs, branchesLine, checkName, cloneLine, gitLine, initLine, pickCredentials, PART, type CloneOptions, type GitInvocation } from "./command-lines.js";
import type { GitCredentials } from "./credentials.js";
import { parseStatus, type GitStatus } from "./status.js";

/** Options every git call takes. */
export interface GitRunOptions {
  /** Run as this user (default: the template's user). */
  user?: string;
  /** Extra environment for the git process. */
  envs?: Record<string, string>;
  /** Deadline in ms (default 60 s; 5 min for clone, pull and push). */
  timeoutMs?: number;
}

export interface GitBranches {
  /** The checked-out branch; undefined when HEAD is detached. */
  current: string | undefined;
  /** Every local branch. */
  branches: string[];
}

const NETWORK_TIMEOUT_MS = 300_000;

/**
 * Git in a capsule, run through `commands.run` with every argument shell-quoted.
 * Credentials (`username`/`password` or `token`) are used for the one command that needs
 * them: they are never written to `.git/config`, a credential store, or the remote URL.
 * Reach it as `capsule.git`.
 *
 * @example
 * ```ts
 * await capsule.git.clone("https://github.com/org/private.git", { path: "/home/user/repo", token: process.env.GH_TOKEN });
 * console.log((await capsule.git.status("/home/user/repo")).branch);
 * ```
 */
export class Git {
  /** @internal */
  constructor(private readonly commands: Commands) {}

  private run(invocation: GitInvocation, options: GitRunOptions = {}, defaultTimeoutMs?: number): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    return this.commands.run(invocation.cmd, {
      envs: { ...options.envs, ...invocation.envs },
      ...(options.user ? { user: options.user } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  /**
   * Clones a repository. For private HTTPS remotes pass `username` + `password`, or `token`.
   *
   * @example
   * ```ts
   * await capsule.git.clone("https://github.com/org/repo.git", { path: "/home/user/repo", branch: "main", depth: 1 });
   * ```
   */
  async clone(url: string, options: CloneOptions & GitRunOptions = {}): Promise<void> {
    await this.run(cloneLine(url, options), options, NETWORK_TIMEOUT_MS);
  }

  /**
   * Creates a repository (and its directory).
   *
   * @example
   * ```ts
   * await capsule.git.init("/home/user/project", { initialBranch: "main" });
   * ```
   */
  async init(path: string, options: { initialBranch?: string; bare?: boolean } & GitRunOptions = {}): Promise<void> {
    await this.run(initLine(path, options), options);
  }

  /**
   * The working tree's state: branch, upstream, ahead/behind and every changed path.
   *
   * @example
   * ```ts
   * const status = await capsule.git.status("/home/user/repo");
   * if (!status.isClean) console.log(status.files.map((f) => `${f.status} ${f.path}`));
   * ```
   */
  async status(path: string, options: GitRunOptions = {}): Promise<GitStatus> {
    const { stdout } = await this.run(gitLine(path, ["status", "--porcelain=v2", "--branch", "-z"]), options);
    return parseStatus(stdout);
  }

  /**
   * Stages changes: the given files, or everything (`git add -A`) by default.
   *
   * @example
   * ```ts
   * await capsule.git.add("/home/user/repo", { files: ["README.md", "src/index.ts"] });
   * await capsule.git.add("/home/user/repo"); // all changes
   * ```
   */
  async add(path: string, options: { files?: string[] } & GitRunOptions = {}): Promise<void> {
    const args = options.files && options.files.length > 0 ? ["add", "--", ...options.files] : ["add", "-A"];
    await this.run(gitLine(path, args), options);
  }

  /**
   * Commits what is staged and resolves with the new commit's hash. Author and committer
   * come from the options when given (else from git config: see `configureUser`).
   *
   * @example
   * ```ts
   * const sha = await capsule.git.commit("/home/user/repo", "Add README", { authorName: "Ada", authorEmail: "ada@example.com" });
   * ```
   */
  async commit(path: string, message: string, options: { authorName?: string; authorEmail?: string; allowEmpty?: boolean } & GitRunOptions = {}): Promise<string> {
    if (!message) throw new InvalidArgumentError("a commit message is required", { code: "invalid_request" });
    const commit = gitLine(path, ["commit", "--quiet", ...(options.allowEmpty ? ["--allow-empty"] : []), "-m", message]);
    const head = gitLine(path, ["rev-parse", "HEAD"]);
    const { stdout } = await this.run({ cmd: `${commit.cmd} && ${head.cmd}`, envs: authorEnvs(options) }, options);
    return stdout.trim().split("\n").pop() ?? "";
  }

  /**
   * The current branch and all local branches.
   *
   * @example
   * ```ts
   * const { current, branches } = await capsule.git.branches("/home/user/repo");
   * ```
   */
  async branches(path: string, options: GitRunOptions = {}): Promise<GitBranches> {
    const { stdout } = await this.run(branchesLine(path), options);
    const [head = "", list = ""] = stdout.split(PART);
    return { current: head.trim() || undefined, branches: list.split("\n").filter((b) => b !== "") };
  }

  /**
   * Creates a branch at HEAD (without switching to it).
   *
   * @example
   * ```ts
   * await capsule.git.createBranch("/home/user/repo", "feature");
   * ```
   */
  async createBranch(path: string, branch: string, options: GitRunOptions = {}): Promise<void> {
    await this.run(gitLine(path, ["branch", "--", checkName("branch", branch)]), options);
  }

  /**
   * Switches to a branch (or any ref); `create: true` makes the branch first.
   *
   * @example
   * ```ts
   * await capsule.git.checkout("/home/user/repo", "feature", { create: true });
   * ```
   */
  async checkout(path: string, ref: string, options: { create?: boolean } & GitRunOptions = {}): Promise<void> {
    const args = options.create ? ["checkout", "-b", checkName("branch", ref)] : ["checkout", checkName("ref", ref), "--"];
    await this.run(gitLine(path, args), options);
  }

  /**
   * Pulls from the remote (default: the branch's upstream).
   *
   * @example
   * ```ts
   * await capsule.git.pull("/home/user/repo", { token: process.env.GH_TOKEN });
   * ```
   */
  async pull(path: string, options: { remote?: string; branch?: string } & GitCredentials & GitRunOptions = {}): Promise<void> {
    const args = ["pull", ...this.remoteArgs(options)];
    await this.run(gitLine(path, args, pickCredentials(options)), options, NETWORK_TIMEOUT_MS);
  }

  /**
   * Pushes to the remote (default: the branch's upstream); `setUpstream` records it.
   *
   * @example
   * ```ts
   * await capsule.git.push("/home/user/repo", { remote: "origin", branch: "feature", setUpstream: true, token: process.env.GH_TOKEN });
   * ```
   */
  async push(path: string, options: { remote?: string; branch?: string; setUpstream?: boolean; force?: boolean } & GitCredentials & GitRunOptions = {}): Promise<void> {
    const args = ["push", ...(options.setUpstream ? ["--set-upstream"] : []), ...(options.force ? ["--force-with-lease"] : []), ...this.remoteArgs(options)];
    await this.run(gitLine(path, args, pickCredentials(options)), options, NETWORK_TIMEOUT_MS);
  }

  private remoteArgs(options: { remote?: string; branch?: string }): string[] {
    if (options.branch && !options.remote) return ["origin", checkName("branch", options.branch)];
    return [...(options.remote ? [checkName("remote", options.remote)] : []), ...(options.branch ? [checkName("branch", options.branch)] : [])];
  }

  /**
   * Adds a remote.
   *
   * @example
   * ```ts
   * await capsule.git.remoteAdd("/home/user/repo", "origin", "https://github.com/org/repo.git");
   * ```
   */
  async remoteAdd(path: string, name: string, url: string, options: GitRunOptions = {}): Promise<void> {
    await this.run(gitLine(path, ["remote", "add", "--", checkName("remote", name), url]), options);
  }

  /**
   * The URL of a remote, or undefined when there is no such remote.
   *
   * @example
   * ```ts
   * const url = await capsule.git.remoteGet("/home/user/repo", "origin");
   * ```
   */
  async remoteGet(path: string, name = "origin", options: GitRunOptions = {}): Promise<string | undefined> {
    const { stdout } = await this.run({ cmd: `${gitLine(path, ["remote", "get-url", "--", checkName("remote", name)]).cmd} 2>/dev/null || true`, envs: {} }, options);
    return stdout.trim() || undefined;
  }

  /**
   * Sets a config value in the repository (`scope: "local"`, default when `path` is given)
   * or for the user (`scope: "global"`).
   *
   * @example
   * ```ts
   * await capsule.git.setConfig("pull.rebase", "true", { path: "/home/user/repo" });
   * ```
   */
  async setConfig(key: string, value: string, options: { path?: string; scope?: "local" | "global" } & GitRunOptions = {}): Promise<void> {
    await this.run(gitLine(options.path, ["config", this.scopeFlag(options), "--", checkName("config key", key), value]), options);
  }

  /**
   * Reads a config value, or undefined when unset.
   *
   * @example
   * ```ts
   * const name = await capsule.git.getConfig("user.name");
   * ```
   */
  async getConfig(key: string, options: { path?: string; scope?: "local" | "global" } & GitRunOptions = {}): Promise<string | undefined> {
    const line = gitLine(options.path, ["config", ...(options.scope ? [this.scopeFlag(options)] : []), "--get", "--", checkName("config key", key)]);
    const { stdout } = await this.run({ cmd: `${line.cmd} || true`, envs: {} }, options);
    return stdout.replace(/\n$/, "") || undefined;
  }

  /**
   * Sets `user.name` and `user.email` (global by default, or for one repository with `path`).
   *
   * @example
   * ```ts
   * await capsule.git.configureUser("Ada", "ada@example.com");
   * ```
   */
  async configureUser(name: string, email: string, options: { path?: string; scope?: "local" | "global" } & GitRunOptions = {}): Promise<void> {
    await this.setConfig("user.name", name, options);
    await this.setConfig("user.email", email, options);
  }

  private scopeFlag(options: { path?: string; scope?: "local" | "global" }): string {
    return (options.scope ?? (options.path ? "local" : "global")) === "global" ? "--global" : "--local";
  }
}
