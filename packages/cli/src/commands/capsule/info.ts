import type { Command } from "commander";
import { output } from "../../cli/context.js";
import { describeCapsule, findCapsule } from "./describe.js";

export function register(capsule: Command): void {
  capsule
    .command("info <id>")
    .description("Show one capsule")
    .addHelpText("after", "\nExample:\n  wrenn capsule info cl-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const info = await findCapsule(cmd, id);
      output(cmd, info, () => describeCapsule(info));
    });
}
