import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress } from "../../cli/context.js";

export function register(template: Command): void {
  template
    .command("snapshot <capsule-id> [name]")
    .description("Save a running capsule (memory, processes and files) as a template")
    .option("--overwrite", "replace an existing snapshot with this name")
    .addHelpText("after", "\nExamples:\n  wrenn template snapshot cl-… my-env\n  wrenn capsule create -t my-env")
    .action(async (id: string, name: string | undefined, opts: { overwrite?: boolean }, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      progress(cmd, `snapshotting ${id}…`);
      const created = await capsuleHandle.createSnapshot(name, { overwrite: opts.overwrite === true });
      output(cmd, created, () => `snapshot ${created.name} created (${(created.sizeBytes / 1024 / 1024).toFixed(0)} MiB); start one with: wrenn capsule create -t ${created.name}`);
    });
}
