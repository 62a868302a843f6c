import { createReadStream, createWriteStream, statSync } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress, table } from "../../cli/context.js";

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

  files
    .command("get <id> <remote> [local]")
    .description("Download a file from a capsule (to stdout with '-')")
    .addHelpText("after", "\nExamples:\n  wrenn files get cl-… /home/user/out.csv\n  wrenn files get cl-… ~/log.txt - | tail")
    .action(async (id: string, remote: string, local: string | undefined, _opts: unknown, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      const source = await capsuleHandle.files.downloadStream(remote);
      const target = local ?? basename(remote);
      if (target === "-") {
        await pipeline(source, process.stdout, { end: false });
        return;
      }
      progress(cmd, `downloading ${remote} → ${target}`);
      await pipeline(source, createWriteStream(target));
      output(cmd, { remote, local: target, bytes: statSync(target).size }, () => `${target} (${statSync(target).size} bytes)`);
    });

  files
    .command("put <id> <local> <remote>")
    .description("Upload a file into a capsule (streamed: any size within the capsule's disk)")
    .addHelpText("after", "\nExample:\n  wrenn files put cl-… ./data.csv /home/user/data.csv")
    .action(async (id: string, local: string, remote: string, _opts: unknown, cmd: Command) => {
      const size = statSync(local).size;
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      progress(cmd, `uploading ${local} (${size} bytes) → ${remote}`);
      const info = await capsuleHandle.files.uploadStream(remote, createReadStream(local));
      output(cmd, info, () => `${remote} (${size} bytes)`);
    });

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
