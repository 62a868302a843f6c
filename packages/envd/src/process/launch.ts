import { statSync } from "node:fs";
import { WrennError } from "@wrenn/core";
import type { ProcessConfig } from "@wrenn/proto/envd/process";
import { resolveUserPath } from "../paths.js";
import type { EnvdState } from "../state.js";
import type { UserInfo } from "../users.js";
import { resolveCommand } from "./command-path.js";

/** PATH for processes whose request and `/init` env vars do not set one. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Everything needed to spawn one process, validated. */
export interface LaunchSpec {
  /** Absolute path of the program. */
  file: string;
  /** `cmd` as the client gave it; the program sees it as argv[0]. */
  argv0: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  user: UserInfo;
  /** Set only when the user differs from envd's own, so a non-root envd can run as itself. */
  uid?: number;
  gid?: number;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkText(what: string, value: string): void {
  if (value.includes("\0")) throw new WrennError("invalid_request", `${what} must not contain NUL bytes`);
}

/** The working directory: the request's, else `/init`'s default, else home, else `/`. */
function workingDirectory(cwd: string | undefined, user: UserInfo, state: EnvdState): string {
  if (cwd) {
    const path = resolveUserPath(cwd, user);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new WrennError("invalid_request", `cwd "${cwd}" does not exist${path === cwd ? "" : ` (${path})`}: create it first or pass an existing directory`);
    }
    if (!stat.isDirectory()) throw new WrennError("invalid_request", `cwd "${cwd}" is not a directory: pass a directory`);
    return path;
  }
  if (state.defaultWorkdir) {
    const path = resolveUserPath(state.defaultWorkdir, user);
    if (isDirectory(path)) return path;
  }
  return isDirectory(user.home) ? user.home : "/";
}

/**
 * Validates a Start request's process config and works out how to run it as `user`:
 * env is defaults < `/init` env vars < the request's envs; cwd as `workingDirectory`.
 */
export function launchSpec(config: ProcessConfig | undefined, user: UserInfo, state: EnvdState): LaunchSpec {
  const cmd = config?.cmd ?? "";
  if (cmd.length === 0) {
    throw new WrennError("invalid_request", 'process.cmd is required: pass the program to run, e.g. cmd "/bin/bash" with args ["-l", "-c", "echo hi"]');
  }
  checkText("process.cmd", cmd);
  const args = config?.args ?? [];
  args.forEach((arg, i) => checkText(`process.args[${i}]`, arg));

  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: user.shell,
  };
  for (const source of [state.envVars, config?.envs ?? {}]) {
    for (const [key, value] of Object.entries(source)) {
      if (key.length === 0 || key.includes("=")) {
        throw new WrennError("invalid_request", `env var name "${key}" is invalid: names must be non-empty and must not contain "="`);
      }
      checkText(`env var ${key}`, key + value);
      env[key] = value;
    }
  }

  const cwd = workingDirectory(config?.cwd, user, state);
  const file = resolveCommand(cmd, env.PATH ?? DEFAULT_PATH, cwd);

  const spec: LaunchSpec = { file, argv0: cmd, args, env, cwd, user };
  const ownUid = process.getuid?.() ?? 0;
  if (user.uid !== ownUid || user.gid !== (process.getgid?.() ?? 0)) {
    if (ownUid !== 0) {
      throw new WrennError("forbidden", `cannot run processes as user "${user.name}": envd runs as uid ${ownUid}, not root`);
    }
    spec.uid = user.uid;
    spec.gid = user.gid;
  }
  return spec;
}
