import type { Command } from "commander";
import { connection, output } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";

export function register(capsule: Command): void {
  capsule
    .command("logs <id>")
    .description("The capsule's lifecycle events (created, paused, resumed, snapshots, …) from the audit log")
    .option("--limit <n>", "how many recent audit entries to search", Number, 200)
    .addHelpText("after", "\nExample:\n  wrenn capsule logs cl-…")
    .action(async (id: string, opts: { limit: number }, cmd: Command) => {
      const page = await rest<{ items: Array<{ action: string; actor_type: string; resource_id: string | null; created_at: string; metadata: Record<string, unknown> }> }>(
        connection(cmd).resolved,
        "GET",
        `/audit-logs?resource_type=capsule&limit=${Math.min(200, Math.max(1, opts.limit))}`,
      );
      const events = page.items.filter((e) => e.resource_id === id).reverse();
      output(cmd, events, () =>
        events.length === 0 ? `no events for ${id}` : events.map((e) => `${e.created_at}  ${e.action.padEnd(24)} by ${e.actor_type}  ${Object.keys(e.metadata).length ? JSON.stringify(e.metadata) : ""}`).join("\n"),
      );
    });
}
