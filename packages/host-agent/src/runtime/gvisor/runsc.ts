import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WrennError } from "@wrenn/core";
import { runCommand, type CommandResult } from "../../util/command.js";
import { spawnViaHelper } from "../../util/spawner.js";

export interface RunscOptions {
  binary: string;
  /** runsc's state directory (`--root`). */
  root: string;
  platform: string;
}

/**
 * Thin wrapper over the `runsc` CLI. Every call uses the same global flags: run and
 * restore must match. Writes go to the capsule's own overlay mount (`--overlay2=none`).
 */
export class Runsc {
  constructor(readonly options: RunscOptions) {}

  globalFlags(logDir?: string): string[] {
    const flags = [
      `--root=${this.options.root}`,
      `--platform=${this.options.platform}`,
      "--network=sandbox",
      "--overlay2=none",
      "--net-disconnect-ok",
    ];
    if (logDir) flags.push(`--debug-log=${logDir}/runsc.log.%COMMAND%`);
    return flags;
  }

  /** A plain runsc command (state, list, delete, checkpoint, …). */
  run(args: string[], options: { timeoutMs?: number; logDir?: string } = {}): Promise<CommandResult> {
    return runCommand(this.options.binary, [...this.globalFlags(options.logDir), ...args], {
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  /**
   * `run --detach` / `restore --detach`, started in a private mount namespace with a tmpfs
   * over /proc/sys/net: on this kernel runsc otherwise mistakes every netns for the host's
   * and refuses `--network=sandbox` (docs/runtime-notes.md §3). The sandbox keeps the stdio
   * it starts with: /dev/null and an O_APPEND console log, never a pipe anyone waits on.
   */
  async detached(args: string[], consoleLog: string, logDir: string): Promise<void> {
    const script = 'mount -t tmpfs none /proc/sys/net && exec "$@"';
    let result;
    try {
      // Own process group (outputFile): a Ctrl-C aimed at the agent must not reach the capsules.
      result = await spawnViaHelper({
        cmd: "unshare",
        args: ["--mount", "--propagation", "private", "sh", "-c", script, "sh", this.options.binary, ...this.globalFlags(logDir), ...args],
        outputFile: consoleLog,
      });
    } catch (err) {
      throw new WrennError("internal_error", `runsc ${args[0]} failed: ${(err as Error).message}`, { cause: err });
    }
    if (result.code === 0) return;
    const detail = await failureDetail(consoleLog, logDir, args[0]!);
    throw new WrennError("internal_error", `runsc ${args[0]} exited with ${result.code ?? result.signal}${detail}; see ${consoleLog}`);
  }
}

/**
 * The reason runsc gave, for the error message. `runsc run` itself only reports that the
 * sandbox did not start; the cause is in the gofer's and sandbox's own logs, so their fatal
 * errors come first, then the console's last lines. Empty when none says anything.
 */
async function failureDetail(consoleLog: string, logDir: string, command: string): Promise<string> {
  const lines = async (file: string): Promise<string[]> =>
    (await readFile(file, "utf8").catch(() => "")).split("\n").map((l) => l.trim()).filter(Boolean);
  const fatal = async (file: string): Promise<string[]> =>
    (await lines(file)).flatMap((l) => /FATAL ERROR: (.*)/.exec(l)?.[1] ?? []);
  const said = [
    ...(await fatal(join(logDir, "runsc.log.gofer"))),
    ...(await fatal(join(logDir, "runsc.log.boot"))),
    ...(await lines(consoleLog)).slice(-2),
    ...(await fatal(join(logDir, `runsc.log.${command}`))),
  ];
  const text = [...new Set(said)].join(" | ");
  return text ? ` (${text.slice(0, 800)})` : "";
}
