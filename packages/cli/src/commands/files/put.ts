import { createReadStream, statSync } from "node:fs";
import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress } from "../../cli/context.js";

export function register(files: Command): void {
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
}
