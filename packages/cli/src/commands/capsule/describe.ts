import type { Command } from "commander";
import { Capsule, type CapsuleInfo } from "wrenn";
import { age, connection } from "../../cli/context.js";

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
