import { InvalidArgumentError } from "../errors.js";
import { credentialInvocation, stripUrlCredentials, type GitCredentials } from "./credentials.js";
import { shellJoin, shellQuote } from "./quote.js";

/** A shell command line plus the environment it needs (secrets travel only here). */
export interface GitInvocation {
  cmd: string;
  envs: Record<string, string>;
}

/** Refs, remotes and config keys must not be taken for options. */
export function checkName(kind: string, value: string): string {
  if (value === "" || value.startsWith("-") || /[\0\r\n]/.test(value)) {
    throw new InvalidArgumentError(`git ${kind} "${value}" is not valid: it must be non-empty, not start with "-", and have no line breaks`, { code: "invalid_request" });
  }
  return value;
}

/** `git -C <repo> [auth options] <args…>` as one quoted command line. */
export function gitLine(repo: string | undefined, args: readonly string[], creds: GitCredentials = {}): GitInvocation {
  const { options, envs } = credentialInvocation(creds);
  const words = ["git", ...(repo !== undefined ? ["-C", repo] : []), ...options, ...args];
  return { cmd: shellJoin(words), envs };
}

export interface CloneOptions extends GitCredentials {
  /** Directory to clone into (default: git's choice from the URL, in the user's home). */
  path?: string;
  branch?: string;
  /** Shallow clone with this many commits. */
  depth?: number;
}

export function cloneLine(url: string, options: CloneOptions): GitInvocation {
  const stripped = stripUrlCredentials(url);
  const creds: GitCredentials = {
    ...(stripped.username !== undefined ? { username: stripped.username } : {}),
    ...(stripped.password !== undefined ? { password: stripped.password } : {}),
    ...pickCredentials(options),
  };
  const args = ["clone"];
  if (options.branch) args.push("--branch", checkName("branch", options.branch));
  if (options.depth !== undefined) {
    if (!Number.isInteger(options.depth) || options.depth < 1) throw new InvalidArgumentError(`depth is ${options.depth}: pass a whole number ≥ 1`, { code: "invalid_request" });
    args.push("--depth", String(options.depth));
  }
  args.push("--", stripped.url, ...(options.path ? [options.path] : []));
  return gitLine(undefined, args, creds);
}

export function pickCredentials(options: GitCredentials): GitCredentials {
  return {
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  };
}

/** `git init`, creating the directory first. */
export function initLine(path: string, options: { initialBranch?: string; bare?: boolean }): GitInvocation {
  const args = ["init", ...(options.bare ? ["--bare"] : []), ...(options.initialBranch ? ["--initial-branch", checkName("branch", options.initialBranch)] : []), "--", path];
  return { cmd: `mkdir -p -- ${shellQuote(path)} && ${shellJoin(["git", ...args])}`, envs: {} };
}

/** Commit author/committer from options, as environment variables (nothing is written to config). */
export function authorEnvs(options: { authorName?: string; authorEmail?: string }): Record<string, string> {
  const envs: Record<string, string> = {};
  if (options.authorName) envs.GIT_AUTHOR_NAME = envs.GIT_COMMITTER_NAME = options.authorName;
  if (options.authorEmail) envs.GIT_AUTHOR_EMAIL = envs.GIT_COMMITTER_EMAIL = options.authorEmail;
  return envs;
}

/** A marker between the parts of a combined command's output. */
export const PART = "\u001e";

/** The current branch (empty when detached or unborn… see below) and every local branch. */
export function branchesLine(repo: string): GitInvocation {
  const head = shellJoin(["git", "-C", repo, "symbolic-ref", "--quiet", "--short", "HEAD"]);
  const list = shellJoin(["git", "-C", repo, "for-each-ref", "--format=%(refname:short)", "refs/heads"]);
  return { cmd: `${head} || true; printf '${PART}'; ${list}`, envs: {} };
}
