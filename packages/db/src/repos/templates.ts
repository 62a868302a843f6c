import { sql, type Insertable, type Kysely } from "kysely";
import type { Database, Template, TemplatesTable } from "../schema.js";

type Db = Kysely<Database>;

export type NewTemplate = Insertable<TemplatesTable>;

/** A team's own template by its name. */
export async function findTeamTemplate(db: Db, teamId: string, name: string): Promise<Template | undefined> {
  return db.selectFrom("templates").selectAll().where("team_id", "=", teamId).where("name", "=", name).executeTakeFirst();
}

/** Which of `names` some template row (of any team, or the platform) carries. */
export async function templateNamesAmong(db: Db, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom("templates").select("name").distinct().where("name", "in", names).execute();
  return rows.map((r) => r.name);
}

/** The template a team reaches by `name`: its own first, else the platform's (one query). */
export async function findUsableTemplate(db: Db, teamId: string | null, name: string): Promise<Template | undefined> {
  return db
    .selectFrom("templates")
    .selectAll()
    .where("name", "=", name)
    .where((eb) => (teamId === null ? eb("team_id", "is", null) : eb.or([eb("team_id", "=", teamId), eb("team_id", "is", null)])))
    .orderBy(sql`team_id IS NULL`)
    .limit(1)
    .executeTakeFirst();
}

/** A team's templates of one kind, newest first. */
export async function listTeamTemplates(db: Db, teamId: string, kind?: Template["kind"]): Promise<Template[]> {
  let query = db.selectFrom("templates").selectAll().where("team_id", "=", teamId);
  if (kind) query = query.where("kind", "=", kind);
  return query.orderBy("created_at", "desc").orderBy("name").execute();
}

export async function insertTemplate(db: Db, template: NewTemplate): Promise<Template> {
  return db.insertInto("templates").values(template).returningAll().executeTakeFirstOrThrow();
}

export async function deleteTemplate(db: Db, id: string): Promise<void> {
  await db.deleteFrom("templates").where("id", "=", id).execute();
}

/** True when the error is the unique index on a team's template names (a concurrent create won). */
export function isDuplicateTemplateError(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e?.code === "23505" && (e.constraint === "templates_team_name" || e.constraint === "templates_platform_name");
}
