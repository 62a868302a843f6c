import { sql, type Insertable, type Kysely } from "kysely";
import type { BuildStatus, Database, TemplateBuild, TemplateBuildsTable } from "../schema.js";

type Db = Kysely<Database>;

export type NewTemplateBuild = Insertable<TemplateBuildsTable>;
/** A build without its archive (which can be 100 MB): what lists and status reads need. */
export type TemplateBuildSummary = Omit<TemplateBuild, "archive" | "runner" | "runner_seen_at">;

/** Logs kept per build: the tail, so a chatty build cannot grow its row without bound. */
export const MAX_BUILD_LOG_CHARS = 1024 * 1024;

const summaryColumns = [
  "id",
  "team_id",
  "name",
  "base_template",
  "recipe",
  "healthcheck",
  "vcpus",
  "memory_mb",
  "archive_format",
  "status",
  "current_step",
  "error",
  "logs",
  "created_by",
  "created_at",
  "started_at",
  "finished_at",
  "template_id",
] as const;

export async function insertBuild(db: Db, build: NewTemplateBuild): Promise<TemplateBuildSummary> {
  return db.insertInto("template_builds").values(build).returning(summaryColumns).executeTakeFirstOrThrow();
}

/** One build of a team (`null` = platform builds); other teams' builds are not found. */
export async function findBuild(db: Db, teamId: string | null, id: string): Promise<TemplateBuildSummary | undefined> {
  let q = db.selectFrom("template_builds").select(summaryColumns).where("id", "=", id);
  q = teamId === null ? q.where("team_id", "is", null) : q.where("team_id", "=", teamId);
  return q.executeTakeFirst();
}

export async function listBuilds(db: Db, teamId: string | null, limit: number): Promise<TemplateBuildSummary[]> {
  let q = db.selectFrom("template_builds").select(summaryColumns);
  q = teamId === null ? q.where("team_id", "is", null) : q.where("team_id", "=", teamId);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
}

/**
 * Takes the oldest pending build and marks it running, in one statement; SKIP LOCKED lets
 * several control planes share one queue without taking the same build.
 */
export async function claimNextBuild(db: Db, runner = ""): Promise<TemplateBuild | undefined> {
  const result = await sql<TemplateBuild>`
    UPDATE template_builds SET status = 'running', started_at = now(), runner = ${runner}, runner_seen_at = now()
    WHERE id = (SELECT id FROM template_builds WHERE status = 'pending' ORDER BY created_at, id FOR UPDATE SKIP LOCKED LIMIT 1)
    RETURNING *`.execute(db);
  return result.rows[0];
}

export async function setBuildStep(db: Db, id: string, step: number): Promise<void> {
  await db.updateTable("template_builds").set({ current_step: step }).where("id", "=", id).execute();
}

/** Appends to a build's logs, keeping the last MAX_BUILD_LOG_CHARS characters. */
export async function appendBuildLogs(db: Db, id: string, text: string): Promise<void> {
  if (!text) return;
  await db
    .updateTable("template_builds")
    .set({ logs: sql<string>`right(logs || ${text}, ${MAX_BUILD_LOG_CHARS})` })
    .where("id", "=", id)
    .execute();
}

/**
 * Moves a build to a final status if it is still in one of `from`; the archive is dropped
 * (it is only needed while building). Undefined when the build had moved on already.
 */
export async function finishBuild(
  db: Db,
  id: string,
  from: BuildStatus[],
  patch: { status: BuildStatus; error?: string | null; templateId?: string | null },
): Promise<TemplateBuildSummary | undefined> {
  return db
    .updateTable("template_builds")
    .set({ status: patch.status, error: patch.error ?? null, template_id: patch.templateId ?? null, finished_at: new Date(), archive: null })
    .where("id", "=", id)
    .where("status", "in", from)
    .returning(summaryColumns)
    .executeTakeFirst();
}

/** Builds left running by a control plane that stopped; returns their ids. */
/**
 * Fails running builds whose runner has gone quiet (its replica died or restarted): a
 * runner says it is alive at least every `silentMs / 4`.
 */
export async function failInterruptedBuilds(db: Db, message: string, silentMs = 60_000): Promise<string[]> {
  const rows = await db
    .updateTable("template_builds")
    .set({ status: "failed", error: message, finished_at: new Date(), archive: null })
    .where("status", "=", "running")
    .where((eb) => eb.or([eb("runner_seen_at", "is", null), eb("runner_seen_at", "<", sql<Date>`now() - ${`${silentMs} milliseconds`}::interval`)]))
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** A runner's sign of life for the builds it runs; answers the ids among them that are no longer running (cancelled elsewhere). */
export async function touchRunningBuilds(db: Db, runner: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const alive = await db
    .updateTable("template_builds")
    .set({ runner_seen_at: sql<Date>`now()` })
    .where("id", "in", ids)
    .where("runner", "=", runner)
    .where("status", "=", "running")
    .returning("id")
    .execute();
  const still = new Set(alive.map((r) => r.id));
  return ids.filter((id) => !still.has(id));
}
