import type { Command } from "commander";
import { connection, output, progress } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";
import { describeCapsule, findCapsule } from "./describe.js";

export function register(capsule: Command): void {
  capsule
    .command("pause <id>")
    .description("Pause a capsule: memory and processes are saved to disk, nothing runs")
    .addHelpText("after", "\nExample:\n  wrenn capsule pause cl-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      progress(cmd, `pausing ${id}…`);
      await rest(connection(cmd).resolved, "POST", `/capsules/${encodeURIComponent(id)}/pause`);
      const info = await findCapsule(cmd, id);
      output(cmd, info, () => describeCapsule(info));
    });
}
