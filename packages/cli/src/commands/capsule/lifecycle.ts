import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output, progress } from "../../cli/context.js";
import { rest } from "../../cli/rest.js";
import { describeCapsule, findCapsule } from "./show.js";

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

  capsule
    .command("resume <id>")
    .description("Resume a paused capsule where it left off")
    .addHelpText("after", "\nExample:\n  wrenn capsule resume cl-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      progress(cmd, `resuming ${id}…`);
      const info = await (await Capsule.connect(id, connection(cmd))).getInfo();
      output(cmd, info, () => describeCapsule(info));
    });

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

  capsule
    .command("metrics <id>")
    .description("CPU, memory and disk use over time")
    .option("--range <range>", "5m, 10m, 1h, 2h, 6h, 12h or 24h", "5m")
    .addHelpText("after", "\nExample:\n  wrenn capsule metrics cl-… --range 1h --json")
    .action(async (id: string, opts: { range: string }, cmd: Command) => {
      const capsuleHandle = await Capsule.connect(id, connection(cmd));
      const points = await capsuleHandle.getMetrics({ range: opts.range as "5m" });
      output(cmd, points, () => {
        if (points.length === 0) return "no samples yet";
        const last = points[points.length - 1]!;
        const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
        const peakCpu = Math.max(...points.map((p) => p.cpuPct));
        return [
          `samples      ${points.length} over ${opts.range}`,
          `cpu          ${last.cpuPct.toFixed(1)}% now, ${peakCpu.toFixed(1)}% peak`,
          `memory       ${mb(last.memBytes)} now, ${mb(Math.max(...points.map((p) => p.memBytes)))} peak`,
          `disk         ${mb(last.diskBytes)}`,
        ].join("\n");
      });
    });

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
