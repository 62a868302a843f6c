import { createWriteStream, statSync } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress } from "../../cli/context.js";

export function register(files: Command): void {
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
}
