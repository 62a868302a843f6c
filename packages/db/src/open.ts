/**
 * Opens Wrenn's database: PostgreSQL when given a URL, otherwise an embedded PGlite in the
 * data directory. Both hand back the same Kysely API and the same JavaScript types:
 * timestamptz → Date, int8 → string, date → 'YYYY-MM-DD', jsonb → parsed value.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { WrennError } from "@wrenn/core";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { acquireDirectoryLock, type DirectoryLock } from "./lock.js";
import { migrate } from "./migrate.js";
import { PGliteDialect } from "./pglite-dialect.js";
import type { Database } from "./schema.js";

export interface OpenDatabaseOptions {
  /** `postgres://…`: use this PostgreSQL server. Wins over `dataDir`. */
  url?: string;
  /** Without `url`: keep an embedded database in `<dataDir>/db`, locked by `<dataDir>/db.lock`. */
  dataDir?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  log?: (msg: string, fields?: object) => void;
}

export interface WrennDatabase {
  db: Kysely<Database>;
  kind: "pglite" | "postgres";
  /** Ends every connection (and releases the directory lock); safe to call twice. */
  close(): Promise<void>;
}

const OID = { int8: 20, date: 1082 } as const;
const asText = (value: string): string => value;

export async function openDatabase(options: OpenDatabaseOptions): Promise<WrennDatabase> {
  if (options.url) return openPostgres(options.url, options);
  if (options.dataDir) return openPGlite(options.dataDir, options);
  throw new WrennError("invalid_request", "openDatabase needs a url (PostgreSQL) or a dataDir (embedded database)");
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<WrennDatabase> {
  const started = performance.now();
  // On this pool only: other pg users in the process keep pg's defaults.
  const types = new pg.TypeOverrides();
  types.setTypeParser(OID.date, "text", asText);
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, types });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (err) => options.log?.("idle PostgreSQL connection failed", { error: err.message }));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const close = once(() => db.destroy());
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await close();
    throw new WrennError("internal_error", `cannot connect to PostgreSQL at ${redact(url)}: ${(err as Error).message}; check the URL and that the server is running`, {
      cause: err,
    });
  }
  await finishOpening(db, close, options);
  options.log?.("database opened", { kind: "postgres", url: redact(url), ms: Math.round(performance.now() - started) });
  return { db, kind: "postgres", close };
}

async function openPGlite(dataDir: string, options: OpenDatabaseOptions): Promise<WrennDatabase> {
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const lock: DirectoryLock = acquireDirectoryLock(join(dataDir, "db.lock"), dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: join(dataDir, "db"),
      // The data directory is a NODEFS mount: every write already goes straight to its
      // files, and the sync PGlite would await after each query has nothing to do there.
      relaxedDurability: true,
      // PGlite's defaults differ from pg's: int8 as number (loses precision), date as Date.
      parsers: { [OID.int8]: asText, [OID.date]: asText },
    });
  } catch (err) {
    lock.release();
    throw new WrennError("internal_error", `cannot open the embedded database in ${join(dataDir, "db")}: ${(err as Error).message}`, { cause: err });
  }
  const dialect = new PGliteDialect({
    pglite,
    onSlowAcquire: (waitedMs) =>
      options.log?.("waiting for the embedded database session; a query inside a transaction must use trx, not db", { waitedMs: Math.round(waitedMs) }),
  });
  const db = new Kysely<Database>({ dialect });
  const close = once(async () => {
    try {
      await db.destroy();
    } finally {
      lock.release();
    }
  });
  await finishOpening(db, close, options);
  options.log?.("database opened", { kind: "pglite", dataDir, ms: Math.round(performance.now() - started) });
  return { db, kind: "pglite", close };
}

async function finishOpening(db: Kysely<Database>, close: () => Promise<void>, options: OpenDatabaseOptions): Promise<void> {
  if (options.migrate === false) return;
  try {
    await migrate(db, options.log ? { log: options.log } : {});
  } catch (err) {
    await close();
    throw err;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}

/** The URL without its password, for messages and logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
