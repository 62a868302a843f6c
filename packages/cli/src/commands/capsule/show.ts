import type { Command } from "commander";
import { Capsule, type CapsuleInfo } from "wrenn";
import { age, connection, output, table } from "../../cli/context.js";

export function describeCapsule(info: CapsuleInfo): string {
  const rows: Array<[string, string]> = [
    ["id", info.capsuleId],
    ["status", info.status],
    ["template", info.template],
    ["vcpus", String(info.vcpus)],
    ["memory", `${info.memoryMb} MiB`],
    ["timeout", info.timeoutMs ? `${info.timeoutMs / 1000}s idle` : "never"],
    ["created", `${info.createdAt.toISOString()} (${age(info.createdAt)} ago)`],
    ["last active", info.lastActiveAt ? `${info.lastActiveAt.toISOString()} (${age(info.lastActiveAt)} ago)` : "-"],
    ["host", info.hostId ?? "-"],
    ["envd", info.envdVersion || "-"],
  ];
  if (Object.keys(info.metadata).length) rows.push(["metadata", Object.entries(info.metadata).map(([k, v]) => `${k}=${v}`).join(" ")]);
  if (info.error) rows.push(["error", info.error]);
  return rows.map(([k, v]) => `${k.padEnd(12)}${v}`).join("\n");
}

/** A capsule's info without side effects (connect would resume a paused one). */
export async function findCapsule(cmd: Command, id: string): Promise<CapsuleInfo> {
  const info = (await Capsule.list(connection(cmd))).find((c) => c.capsuleId === id);
  if (!info) throw new Error(`capsule ${id} not found (or already killed); list yours with \`wrenn capsule list\``);
  return info;
}

export function register(capsule: Command): void {
  capsule
    .command("list")
    .alias("ls")
    .description("List your team's capsules")
    .option("--status <status>", "only running, paused, pending, error or missing ones")
    .option("-m, --metadata <KEY=VALUE>", "only capsules with this label (repeatable)", (v: string, prev: Record<string, string> = {}) => {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new Error(`expected KEY=VALUE, got "${v}"`);
      return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
    })
    .addHelpText("after", "\nExamples:\n  wrenn capsule list\n  wrenn capsule list --status running --json")
    .action(async (opts: { status?: string; metadata?: Record<string, string> }, cmd: Command) => {
      const list = await Capsule.list({ ...connection(cmd), ...(opts.status ? { status: opts.status as "running" } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) });
      output(cmd, list, () =>
        table(
          ["ID", "STATUS", "TEMPLATE", "VCPUS", "MEMORY", "AGE"],
          list.map((c) => [c.capsuleId, c.status, c.template, String(c.vcpus), `${c.memoryMb}M`, age(c.createdAt)]),
        ),
      );
    });

  capsule
    .command("info <id>")
    .description("Show one capsule")
    .addHelpText("after", "\nExample:\n  wrenn capsule info cl-…")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const info = await findCapsule(cmd, id);
      output(cmd, info, () => describeCapsule(info));
    });
}
