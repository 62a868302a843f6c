import type { Command } from "commander";
import type { ApiKeyJson } from "./api-key.js";
import { connection, output, table } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";

export function register(key: Command): void {
  key
    .command("list")
    .alias("ls")
    .description("List your team's API keys")
    .addHelpText("after", "\nExample:\n  wrenn key list")
    .action(async (_opts: unknown, cmd: Command) => {
      const res = await rest<ApiKeyJson[] | { items: ApiKeyJson[] }>(connection(cmd).resolved, "GET", "/api-keys");
      const keys = Array.isArray(res) ? res : res.items;
      output(cmd, keys, () =>
        table(
          ["ID", "NAME", "PREFIX", "CREATED BY", "LAST USED"],
          keys.map((k) => [k.id, k.name, `${k.key_prefix}…`, k.created_by?.email ?? "-", k.last_used_at ?? "never"]),
        ),
      );
    });
}
