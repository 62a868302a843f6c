import { WrennError } from "@wrenn/core";
import { listAudit, type AuditLog } from "@wrenn/db";
import type { AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";

export interface AuditPageQuery {
  before?: string | undefined;
  limit: number;
  resourceType?: string | undefined;
  action?: string | undefined;
}

/** The cursor is the last row's sequence number; clients treat it as opaque. */
const cursorPattern = /^[1-9][0-9]{0,17}$/;

/** One page of the caller's team's audit log, newest first, and the cursor of the next page (null at the end). */
export async function readAuditPage(deps: Deps, auth: AuthContext, query: AuditPageQuery): Promise<{ items: AuditLog[]; nextCursor: string | null }> {
  if (auth.kind === "user" && auth.role !== "owner" && auth.role !== "admin") {
    throw new WrennError("forbidden", `reading the audit log needs the owner or admin role in the team; yours is ${auth.role ?? "none"}`);
  }
  if (query.before !== undefined && !cursorPattern.test(query.before)) {
    throw new WrennError("invalid_request", "before is not a cursor from this API; pass the next_cursor of the previous page");
  }
  // One extra row tells whether another page exists without a second query.
  const rows = await listAudit(deps.db, auth.teamId, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { beforeSeq: query.before } : {}),
    ...(query.resourceType !== undefined ? { resourceType: query.resourceType } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
  });
  const items = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  return { items, nextCursor: more ? String(items[items.length - 1]!.seq) : null };
}
