/**
 * SQL-file migrations: `migrations/NNNN_verb_noun.sql`, applied in file-name order, each in
 * its own transaction together with its row in `schema_migrations`.
 */
import { readdir, readFile } from "node:fs/promises";
import { sql, type Generated, type Kysely } from "kysely";

/** Works from src/ and dist/ alike: both sit next to migrations/. */
const migrationsDir = new URL("../migrations/", import.meta.url);

/**
 * Serializes migrations across control planes sharing one PostgreSQL: the second to start
 * waits, then finds the files applied. (Any constant works; this one reads "wrenn" in hex.)
 */
const MIGRATION_LOCK_ID = 0x7772656e6e;

type MigrationTables = {
  schema_migrations: { version: string; applied_at: Generated<Date> };
};

export interface Migration {
  /** The file name without `.sql`, e.g. `0001_init`. */
  version: string;
  sql: string;
}

export async function listMigrations(): Promise<Migration[]> {
  const files = (await readdir(migrationsDir)).filter((name) => name.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (name) => ({ version: name.slice(0, -".sql".length), sql: await readFile(new URL(name, migrationsDir), "utf8") })),
  );
}

/** Versions on disk that the database has not applied yet, in order. */
export async function pendingMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const applied = await appliedVersions(db);
  return (await listMigrations()).map((m) => m.version).filter((v) => !applied.has(v));
}

/** Applies every pending migration; returns the versions it applied (none when up to date). */
export async function migrate<DB>(db: Kysely<DB>, options: { log?: (msg: string, fields?: object) => void } = {}): Promise<string[]> {
  const migrations = await listMigrations();
  let applied = await appliedVersions(db);
  if (migrations.every((m) => applied.has(m.version))) return [];

  await db.transaction().execute(async (trx) => {
    await lockMigrations(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
  });

  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    const started = performance.now();
    const ran = await db.transaction().execute(async (trx) => {
      await lockMigrations(trx);
      // Another process may have applied it while this one waited for the lock.
      applied = await appliedVersions(trx);
      if (applied.has(migration.version)) return false;
      await sql.raw(migration.sql).execute(trx);
      await tables(trx).insertInto("schema_migrations").values({ version: migration.version }).execute();
      return true;
    });
    if (ran) {
      done.push(migration.version);
      options.log?.("migration applied", { version: migration.version, ms: Math.round(performance.now() - started) });
    }
  }
  return done;
}

/** Callers pass their own `Kysely<Database>`; the bookkeeping table is not part of it. */
function tables<DB>(db: Kysely<DB>): Kysely<MigrationTables> {
  return db as unknown as Kysely<MigrationTables>;
}

async function lockMigrations<DB>(trx: Kysely<DB>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(trx);
}

async function appliedVersions<DB>(db: Kysely<DB>): Promise<Set<string>> {
  const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`.execute(db);
  if (!rows[0]?.exists) return new Set();
  const versions = await tables(db).selectFrom("schema_migrations").select("version").execute();
  return new Set(versions.map((r) => r.version));
}
