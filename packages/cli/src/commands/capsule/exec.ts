import type { Command } from "commander";
import { Capsule, CommandExitError, type CommandResult } from "wrenn";
import { collectPairs, connection, wantsJson } from "../../cli/context.js";

/** POSIX shell quoting for one argument. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function register(capsule: Command): void {
  capsule
    .command("exec <id> <command...>")
    .description("Run a command in a capsule; its output streams here and its exit code becomes wrenn's")
    .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collectPairs)
    .option("-w, --cwd <dir>", "working directory (default: the user's home)")
    .option("-u, --user <name>", "run as this user (default: the template's user)")
    .option("--timeout <sec>", "kill the command after this many seconds (0 = never)", Number, 60)
    .addHelpText(
      "after",
      "\nOne argument runs as a shell line; several are quoted for you.\nExamples:\n  wrenn capsule exec cl-… 'ls -la | head'\n  wrenn capsule exec cl-… -- python3 -c 'print(1+1)'\n  wrenn capsule exec cl-… --json -- uname -a",
    )
    .action(async (id: string, words: string[], opts: { env?: Record<string, string>; cwd?: string; user?: string; timeout: number }, cmd: Command) => {
      const line = words.length === 1 ? words[0]! : words.map(shellQuote).join(" ");
      const json = wantsJson(cmd);
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      let result: CommandResult;
      try {
        result = (await capsuleHandle.commands.run(line, {
          envs: opts.env ?? {},
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
          ...(opts.user ? { user: opts.user } : {}),
          timeoutMs: opts.timeout * 1000,
          ...(json ? {} : { onStdout: (d: string) => void process.stdout.write(d), onStderr: (d: string) => void process.stderr.write(d) }),
        })) as CommandResult;
      } catch (err) {
        if (!(err instanceof CommandExitError)) throw err;
        result = { stdout: err.stdout, stderr: err.stderr, exitCode: err.exitCode };
      }
      if (json) process.stdout.write(`${JSON.stringify({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode }, null, 2)}\n`);
      process.exitCode = result.exitCode < 0 ? 124 : result.exitCode;
    });
}
