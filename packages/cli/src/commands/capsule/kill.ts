import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output } from "../../cli/context.js";

export function register(capsule: Command): void {
  capsule
    .command("kill <id...>")
    .description("Destroy capsules (their files and memory are gone)")
    .addHelpText("after", "\nExamples:\n  wrenn capsule kill cl-…\n  wrenn capsule kill $(wrenn capsule list --json | jq -r '.[].capsuleId')")
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const results: Array<{ capsuleId: string; killed: boolean }> = [];
      for (const id of ids) results.push({ capsuleId: id, killed: await Capsule.kill(id, connection(cmd)) });
      output(cmd, results, () => results.map((r) => `${r.capsuleId}: ${r.killed ? "killed" : "not found"}`).join("\n"));
      if (results.some((r) => !r.killed)) process.exitCode = 1;
    });
}
