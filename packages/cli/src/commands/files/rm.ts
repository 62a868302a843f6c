import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output } from "../../cli/context.js";

export function register(files: Command): void {
  files
    .command("rm <id> <remote...>")
    .description("Remove files or directories in a capsule")
    .addHelpText("after", "\nExample:\n  wrenn files rm cl-… /tmp/scratch ~/old.log")
    .action(async (id: string, remotes: string[], _opts: unknown, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      for (const remote of remotes) await capsuleHandle.files.remove(remote);
      output(cmd, { removed: remotes }, () => remotes.map((r) => `removed ${r}`).join("\n"));
    });
}
