import type { Command } from "commander";
import { resolveConfig } from "wrenn";
import { output, writeLogin } from "../cli/context.js";
import { rest } from "../cli/rest.js";

export function register(program: Command): void {
  program
    .command("login")
    .description("Save an API URL and key for later commands (checked against the API first)")
    .requiredOption("--api-key <key>", "an API key (wrn_…) from `wrenn key create` or the dashboard")
    .option("--api-url <url>", "the Wrenn API", "http://127.0.0.1:9725")
    .addHelpText("after", "\nExample:\n  wrenn login --api-url https://wrenn.example.com --api-key wrn_…")
    .action(async (opts: { apiKey: string; apiUrl: string }, cmd: Command) => {
      const config = resolveConfig({ apiKey: opts.apiKey, apiUrl: opts.apiUrl });
      await rest(config, "GET", "/capsules");
      const file = writeLogin({ api_url: config.apiUrl, api_key: opts.apiKey });
      output(cmd, { api_url: config.apiUrl, saved_to: file }, () => `logged in to ${config.apiUrl}; saved to ${file}`);
    });
}
