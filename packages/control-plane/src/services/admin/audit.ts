import { WrennError } from "@wrenn/core";
import { listAllAudit, type AuditLog } from "@wrenn/db";
import type { Deps } from "../../deps.js";

/** The cursor is the last row's sequence number, as in the team audit log; clients treat it as opaque. */
const cursorPattern = /^[1-9][0-9]{0,17}$/;

export interface AllAuditPageQuery {
  before?: string | undefined;
  limit: number;
  action?: string | undefined;
  teamId?: string | undefined;
}

/** One page of every team's and the platform's audit log, newest first, and the next page's cursor (null at the end). */
export async function readAllAuditPage(deps: Deps, query: AllAuditPageQuery): Promise<{ items: AuditLog[]; nextCursor: string | null }> {
  if (query.before !== undefined && !cursorPattern.test(query.before)) {
    throw new WrennError("invalid_request", "before is not a cursor from this API; pass the next_cursor of the previous page");
  }
  const rows = await listAllAudit(deps.db, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { beforeSeq: query.before } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.teamId !== undefined ? { teamId: query.teamId } : {}),
  });
  const items = rows.slice(0, query.limit);
  return { items, nextCursor: rows.length > query.limit ? String(items[items.length - 1]!.seq) : null };
}
