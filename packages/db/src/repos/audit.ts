import { sql, type Kysely, type RawBuilder } from "kysely";
import { newId } from "@wrenn/core";
import type { ActorType, AuditLog, Database } from "../schema.js";

type Db = Kysely<Database>;

export interface AuditEntry {
  teamId: string | null;
  actorType: ActorType;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  metadata?: Record<string, unknown>;
}

/**
 * A common table expression `name` that inserts `entry` once per row of the CTE `from`
 * (so nothing is written when that CTE returns no row).
 */
export function auditInsertCte(entry: AuditEntry, name: string, from: string): RawBuilder<unknown> {
  return sql`${sql.raw(name)} AS (
      INSERT INTO audit_logs (id, team_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
      SELECT ${newId("audit")}::text, ${entry.teamId}::text, ${entry.actorType}::text, ${entry.actorId}::text, ${entry.action}::text,
             ${entry.resourceType}::text, ${entry.resourceId}::text, ${JSON.stringify(entry.metadata ?? {})}::jsonb
      FROM ${sql.raw(from)}
      RETURNING 1
    )`;
}

export async function insertAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_logs")
    .values({
      id: newId("audit"),
      team_id: entry.teamId,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId,
      metadata: JSON.stringify(entry.metadata ?? {}),
    })
    .execute();
}

export interface AuditQuery {
  /** Only rows older than this sequence number (the previous page's last `seq`). */
  beforeSeq?: string;
  limit: number;
  resourceType?: string;
  action?: string;
}

/** One page of a team's audit log, newest first. `null` team = platform-level rows (admin log). */
export async function listAudit(db: Db, teamId: string | null, query: AuditQuery): Promise<AuditLog[]> {
  let q = db.selectFrom("audit_logs").selectAll();
  q = teamId === null ? q.where("team_id", "is", null) : q.where("team_id", "=", teamId);
  // `seq` is typed Generated<Int8>, which Kysely does not unwrap for comparisons: compare in SQL.
  if (query.beforeSeq !== undefined) q = q.where(sql<boolean>`seq < ${query.beforeSeq}::bigint`);
  if (query.resourceType !== undefined) q = q.where("resource_type", "=", query.resourceType);
  if (query.action !== undefined) q = q.where("action", "=", query.action);
  return q.orderBy("seq", "desc").limit(query.limit).execute();
}
