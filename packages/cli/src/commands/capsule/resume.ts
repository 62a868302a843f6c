import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress } from "../../cli/context.js";
import { describeCapsule } from "./describe.js";

export function register(capsule: Command): void {
  capsule
    .command("resume <id>")
    .description("Resume a paused capsule where it left off")
    .addHelpText("after", "\nExample:\n  wrenn capsule resume cl-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      progress(cmd, `resuming ${id}…`);
      const info = await (await Capsule.connect(id, connection(cmd))).getInfo();
      output(cmd, info, () => describeCapsule(info));
    });
}
