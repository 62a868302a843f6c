import { spawn } from "node:child_process";

export interface FileLock {
  release(): Promise<void>;
}

const BUSY = 75;

/**
 * An exclusive lock on `path` shared with other processes, held by a `flock(1)` helper
 * whose stdin is a pipe from this process: if the agent dies for any reason the pipe
 * closes, the helper exits and the kernel drops the lock, so a crashed agent never leaves
 * a stale lock behind. Waits until the lock is free or `signal` aborts.
 */
export async function acquireFileLock(path: string, signal?: AbortSignal): Promise<FileLock> {
  return (await lock(path, true, signal))!;
}

/** Like acquireFileLock, but resolves `undefined` at once when another holder has it. */
export function tryFileLock(path: string): Promise<FileLock | undefined> {
  return lock(path, false);
}

async function lock(path: string, wait: boolean, signal?: AbortSignal): Promise<FileLock | undefined> {
  signal?.throwIfAborted();
  const mode = wait ? [] : ["--nonblock", "--conflict-exit-code", String(BUSY)];
  // Own process group: a Ctrl-C meant for the agent must not release the lock under it.
  const child = spawn("flock", ["--exclusive", ...mode, path, "sh", "-c", "echo locked; exec cat >/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding("utf8").on("data", (s: string) => stderr.push(s));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const kill = (): void => {
    child.kill("SIGKILL");
  };
  signal?.addEventListener("abort", kill, { once: true });
  try {
    const held = await new Promise<boolean>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (s: string) => {
        if (s.includes("locked")) resolve(true);
      });
      child.once("error", reject);
      child.once("close", (code) => {
        if (signal?.aborted) reject(signal.reason);
        else if (code === BUSY && !wait) resolve(false);
        else reject(new Error(`flock ${path} exited with ${code}: ${stderr.join("").trim()}`));
      });
    });
    if (!held) return undefined;
  } finally {
    signal?.removeEventListener("abort", kill);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      child.stdin!.end();
      await exited;
    },
  };
}
