import type { Command } from "commander";
import { connection, output } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";

export function register(key: Command): void {
  key
    .command("revoke <id>")
    .description("Revoke an API key: it stops working immediately")
    .addHelpText("after", "\nExample:\n  wrenn key revoke key-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await rest(connection(cmd).resolved, "DELETE", `/api-keys/${encodeURIComponent(id)}`);
      output(cmd, { revoked: id }, () => `revoked ${id}`);
    });
}
