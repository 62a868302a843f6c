import type { Command } from "commander";
import { Capsule } from "wrenn";
import { connection, output } from "../../cli/context.js";

export function register(capsule: Command): void {
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
}
