import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, table } from "../../cli/context.js";

export function register(files: Command): void {
  files
    .command("ls <id> [path]")
    .description("List a directory in a capsule (default: the user's home)")
    .option("-d, --depth <n>", "how many levels to descend", Number, 1)
    .addHelpText("after", "\nExamples:\n  wrenn files ls cl-…\n  wrenn files ls cl-… /etc --json")
    .action(async (id: string, path: string | undefined, opts: { depth: number }, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      const entries = await capsuleHandle.files.list(path ?? "~", { depth: opts.depth });
      output(cmd, entries, () =>
        table(
          ["TYPE", "SIZE", "MODIFIED", "PATH"],
          entries.map((e) => [e.type, String(e.size), e.modifiedAt ? e.modifiedAt.toISOString().slice(0, 19).replace("T", " ") : "-", e.type === "directory" ? `${e.path}/` : e.path]),
        ),
      );
    });
}
