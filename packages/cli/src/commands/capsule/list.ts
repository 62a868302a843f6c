import type { Command } from "commander";
import { Capsule } from "wrenn";
import { age, connection, output, table } from "../../cli/context.js";

export function register(capsule: Command): void {
  capsule
    .command("list")
    .alias("ls")
    .description("List your team's capsules")
    .option("--status <status>", "only running, paused, pending, error or missing ones")
    .option("-m, --metadata <KEY=VALUE>", "only capsules with this label (repeatable)", (v: string, prev: Record<string, string> = {}) => {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new Error(`expected KEY=VALUE, got "${v}"`);
      return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
    })
    .addHelpText("after", "\nExamples:\n  wrenn capsule list\n  wrenn capsule list --status running --json")
    .action(async (opts: { status?: string; metadata?: Record<string, string> }, cmd: Command) => {
      const list = await Capsule.list({ ...connection(cmd), ...(opts.status ? { status: opts.status as "running" } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) });
      output(cmd, list, () =>
        table(
          ["ID", "STATUS", "TEMPLATE", "VCPUS", "MEMORY", "AGE"],
          list.map((c) => [c.capsuleId, c.status, c.template, String(c.vcpus), `${c.memoryMb}M`, age(c.createdAt)]),
        ),
      );
    });
}
