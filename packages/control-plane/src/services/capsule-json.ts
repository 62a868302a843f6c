import type { Capsule } from "@wrenn/db";
import { z } from "zod";
import { exampleIds } from "../http/schemas.js";

export const capsuleStatuses = ["pending", "running", "paused", "stopped", "error", "missing"] as const;

export const capsuleExample = {
  id: exampleIds.capsule,
  status: "running",
  template: "minimal",
  vcpus: 1,
  memory_mb: 512,
  timeout_sec: 300,
  created_at: "2025-01-01T12:00:00.000Z",
  started_at: "2025-01-01T12:00:00.700Z",
  last_active_at: "2025-01-01T12:00:00.700Z",
  host_id: exampleIds.host,
  metadata: { owner: "agent-42" },
  envd_version: "0.1.0",
};

/** A capsule as the public API shows it. */
export const CapsuleSchema = z
  .object({
    id: z.string(),
    status: z.enum(capsuleStatuses),
    template: z.string().meta({ description: "the template (built-in or snapshot name) it was created from" }),
    vcpus: z.number().int(),
    memory_mb: z.number().int(),
    timeout_sec: z.number().int().meta({ description: "idle seconds before the capsule is paused automatically; 0 = never" }),
    created_at: z.string(),
    started_at: z.string().nullable(),
    last_active_at: z.string().nullable(),
    host_id: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    envd_version: z.string(),
    error: z.string().optional().meta({ description: "why the capsule is in status error, or why it stopped unexpectedly" }),
  })
  .meta({ id: "Capsule", example: capsuleExample });

export type CapsuleJson = z.infer<typeof CapsuleSchema>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The one mapping from a capsules row to its public JSON. */
export function capsuleJson(row: Capsule): CapsuleJson {
  return {
    id: row.id,
    status: row.status,
    template: row.template,
    vcpus: row.vcpus,
    memory_mb: row.memory_mb,
    timeout_sec: row.timeout_sec,
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    last_active_at: iso(row.last_active_at),
    host_id: row.host_id,
    metadata: row.metadata,
    envd_version: row.envd_version,
    ...(row.error ? { error: row.error } : {}),
  };
}
