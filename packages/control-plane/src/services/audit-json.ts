import type { AuditLog } from "@wrenn/db";
import { z } from "zod";

/** One audit entry as the API shows it (the admin log adds the team). */
export const auditEntryShape = {
  id: z.string(),
  actor_type: z.enum(["user", "api_key", "system", "host"]),
  actor_id: z.string().nullable(),
  action: z.string(),
  resource_type: z.string(),
  resource_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
};

export function auditEntryJson(e: AuditLog): z.infer<z.ZodObject<typeof auditEntryShape>> {
  return {
    id: e.id,
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    action: e.action,
    resource_type: e.resource_type,
    resource_id: e.resource_id,
    metadata: e.metadata,
    created_at: e.created_at.toISOString(),
  };
}
