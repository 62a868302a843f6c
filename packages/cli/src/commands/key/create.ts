import type { Command } from "commander";
import type { ApiKeyJson } from "./api-key.js";
import { connection, output } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";

export function register(key: Command): void {
  key
    .command("create <name>")
    .description("Create an API key for your team (the key is shown once)")
    .addHelpText("after", "\nExample:\n  export WRENN_API_KEY=$(wrenn key create ci --json | jq -r .key)")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const created = await rest<ApiKeyJson>(connection(cmd).resolved, "POST", "/api-keys", { name });
      output(cmd, created, () => `${created.key}\n(shown once: store it now; id ${created.id})`);
    });
}
