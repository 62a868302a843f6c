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
  /**
   * Subscribes to NOTIFY on `channel`. `live` is called once notifications are sure to
   * arrive, `lost` when some may be missed from then on (PostgreSQL: the listening
   * connection failed; it reconnects and calls `live` again). Returns the unsubscribe.
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
  /** Ends every connection (and releases the directory lock); safe to call twice. */
  close(): Promise<void>;
}

export interface NotificationHandlers {
  notify(payload: string): void;
  live(): void;
  lost(): void;
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
  const listeners = new Set<() => Promise<void>>();
  const close = once(async () => {
    await Promise.all([...listeners].map((stop) => stop()));
    await db.destroy();
  });
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
  const listen = async (channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> => {
    const stop = listenOnPostgres(url, channel, handlers, options.log);
    const unsubscribe = once(async () => {
      listeners.delete(unsubscribe);
      await stop();
    });
    listeners.add(unsubscribe);
    return unsubscribe;
  };
  return { db, kind: "postgres", listen, close };
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
  // One session in this process: a NOTIFY reaches the listener before the notifying query
  // returns, and none can be missed. LISTEN goes through the dialect's mutex, so it never
  // lands inside someone's transaction (a rollback would undo it).
  const listen = async (channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> => {
    const unlisten = await db.connection().execute(() => pglite.listen(channel, handlers.notify));
    handlers.live();
    return once(() => db.connection().execute(() => unlisten()));
  };
  return { db, kind: "pglite", listen, close };
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

/** How long a lost listening connection waits before it reconnects: doubling, at most 30 s. */
const RELISTEN_FIRST_MS = 500;
const RELISTEN_MAX_MS = 30_000;

/**
 * LISTEN on a connection of its own (notifications never reach pooled connections that
 * come and go). When it fails, `lost`; then reconnects with backoff and says `live` again.
 */
function listenOnPostgres(url: string, channel: string, handlers: NotificationHandlers, log: OpenDatabaseOptions["log"]): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = RELISTEN_FIRST_MS;
  const retry = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, RELISTEN_MAX_MS);
  };
  const connect = async (): Promise<void> => {
    const current = new pg.Client({ connectionString: url, application_name: `wrenn-listen-${channel}` });
    client = current;
    let failed = false;
    const fail = (err?: Error): void => {
      if (failed) return;
      failed = true;
      if (client === current) client = undefined;
      if (stopped) return;
      handlers.lost();
      log?.("lost the PostgreSQL connection listening for notifications; reconnecting", { channel, error: err?.message });
      void current.end().catch(() => {});
      retry();
    };
    current.on("error", fail);
    current.on("end", () => fail());
    current.on("notification", (message) => {
      if (message.channel === channel) handlers.notify(message.payload ?? "");
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (stopped || failed) return;
    delay = RELISTEN_FIRST_MS;
    handlers.live();
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
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
