import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, table } from "../../cli/context.js";

export function register(template: Command): void {
  template
    .command("list")
    .alias("ls")
    .description("Built-in templates and your team's snapshots")
    .option("--type <type>", "only base or snapshot templates")
    .addHelpText("after", "\nExample:\n  wrenn template list --type snapshot")
    .action(async (opts: { type?: "base" | "snapshot" }, cmd: Command) => {
      const list = await Capsule.listTemplates({ ...connection(cmd), ...(opts.type ? { type: opts.type } : {}) });
      output(cmd, list, () =>
        table(
          ["NAME", "TYPE", "BASE", "SIZE", "CREATED"],
          list.map((t) => [t.name, t.type, t.baseTemplate || "-", `${(t.sizeBytes / 1024 / 1024).toFixed(0)}M`, t.createdAt ? t.createdAt.toISOString().slice(0, 10) : "-"]),
        ),
      );
    });
}
