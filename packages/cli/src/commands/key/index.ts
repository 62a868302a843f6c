import type { Command } from "commander";
import { connection, output, table } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";

interface ApiKeyJson {
  id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  created_by?: { id: string; email: string } | null;
  key?: string;
}

export function register(key: Command): void {
  key
    .command("create <name>")
    .description("Create an API key for your team (the key is shown once)")
    .addHelpText("after", "\nExample:\n  export WRENN_API_KEY=$(wrenn key create ci --json | jq -r .key)")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const created = await rest<ApiKeyJson>(connection(cmd).resolved, "POST", "/api-keys", { name });
      output(cmd, created, () => `${created.key}\n(shown once: store it now; id ${created.id})`);
    });

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

  key
    .command("revoke <id>")
    .description("Revoke an API key: it stops working immediately")
    .addHelpText("after", "\nExample:\n  wrenn key revoke key-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await rest(connection(cmd).resolved, "DELETE", `/api-keys/${encodeURIComponent(id)}`);
      output(cmd, { revoked: id }, () => `revoked ${id}`);
    });
}
