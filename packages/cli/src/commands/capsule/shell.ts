import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection } from "../../cli/context.js";

export function register(capsule: Command): void {
  capsule
    .command("shell <id>")
    .description("Open an interactive terminal in a capsule (exit the shell to leave)")
    .option("-u, --user <name>", "log in as this user (default: the template's user)")
    .option("--attach <tag>", "reattach to a terminal left open earlier, by its tag")
    .addHelpText("after", "\nExamples:\n  wrenn capsule shell cl-…\n  wrenn capsule shell cl-… --user root")
    .action(async (id: string, opts: { user?: string; attach?: string }, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      const stdin = process.stdin;
      const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
      const onData = (data: Uint8Array): void => void process.stdout.write(data);
      const term = opts.attach
        ? await capsuleHandle.pty.connect(opts.attach, { onData })
        : await capsuleHandle.pty.create({ ...size(), onData, envs: { TERM: process.env.TERM || "xterm-256color" }, ...(opts.user ? { user: opts.user } : {}) });
      const onResize = (): void => void term.resize(size()).catch(() => {});
      const onInput = (chunk: Buffer): void => void term.sendInput(chunk).catch(() => {});
      if (stdin.isTTY) stdin.setRawMode(true);
      stdin.on("data", onInput);
      stdin.resume();
      process.stdout.on("resize", onResize);
      process.on("SIGWINCH", onResize);
      try {
        const exit = await term.wait();
        process.exitCode = exit.exitCode < 0 ? 1 : exit.exitCode;
      } finally {
        process.off("SIGWINCH", onResize);
        process.stdout.off("resize", onResize);
        stdin.off("data", onInput);
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
      }
    });
}
