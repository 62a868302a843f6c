import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output } from "../../cli/context.js";

export function register(template: Command): void {
  template
    .command("delete <name>")
    .alias("rm")
    .description("Delete one of your snapshots")
    .addHelpText("after", "\nExample:\n  wrenn template delete my-env")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const deleted = await Capsule.deleteSnapshot(name, connection(cmd));
      if (!deleted) throw new Error(`no snapshot named ${name}; see \`wrenn template list --type snapshot\``);
      output(cmd, { deleted: name }, () => `deleted ${name}`);
    });
}
