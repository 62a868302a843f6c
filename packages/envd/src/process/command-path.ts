import { statSync } from "node:fs";
import { posix } from "node:path";
import { WrennError } from "@wrenn/core";

const SHELL_HINT = 'cmd runs directly, without a shell: for shell syntax use cmd "/bin/bash" with args ["-l", "-c", "<script>"]';

function executable(path: string): "yes" | "missing" | "not-executable" | "directory" {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return "missing";
  }
  if (stat.isDirectory()) return "directory";
  return stat.isFile() && (stat.mode & 0o111) !== 0 ? "yes" : "not-executable";
}

/**
 * The file `cmd` names, found the way execvp(3) would: a name with a slash is a path
 * (relative to `cwd`), any other name is looked up in `pathVar`. Checked before spawning
 * so that a missing command fails Start with `not_found` for pipes and PTYs alike.
 */
export function resolveCommand(cmd: string, pathVar: string, cwd: string): string {
  if (cmd.includes("/")) {
    const file = posix.resolve(cwd, cmd);
    switch (executable(file)) {
      case "yes":
        return file;
      case "missing":
        throw new WrennError("not_found", `command "${cmd}" not found: no such file ${file === cmd ? "" : `(${file}) `}in the capsule; ${SHELL_HINT}`);
      case "directory":
        throw new WrennError("invalid_request", `command "${cmd}" is a directory: pass the program to run`);
      case "not-executable":
        throw new WrennError("invalid_request", `command "${cmd}" is not executable: chmod +x it or run it through its interpreter`);
    }
  }
  let notExecutable: string | undefined;
  for (const dir of pathVar.split(":")) {
    const file = posix.resolve(cwd, dir, cmd);
    const found = executable(file);
    if (found === "yes") return file;
    if (found === "not-executable") notExecutable ??= file;
  }
  if (notExecutable) {
    throw new WrennError("invalid_request", `command "${cmd}" (${notExecutable}) is not executable: chmod +x it or run it through its interpreter`);
  }
  throw new WrennError("not_found", `command "${cmd}" not found on PATH (${pathVar}): pass an absolute path or set PATH in envs; ${SHELL_HINT}`);
}
