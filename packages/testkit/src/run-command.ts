import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs a command to completion without blocking the event loop. Tests that hold HTTP
 * keep-alive connections must not use `spawnSync`: while the loop is blocked the client
 * cannot notice the server closing an idle socket, and the next request on it fails with
 * "other side closed".
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // Node's stdio pipes are socket pairs, and bash sources bashrc when its stdin is a
    // socket ("started by a remote shell daemon"): give stdin a socket only with input.
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
