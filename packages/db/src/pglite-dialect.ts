/**
 * A Kysely dialect over PGlite. PGlite is one PostgreSQL session: two transactions that
 * overlap on it would run inside each other. The driver therefore hands out its single
 * connection to one Kysely user at a time (a FIFO mutex), and a transaction keeps it from
 * `begin` to `commit`; plain queries issued meanwhile wait for the transaction to end.
 */
import type { PGlite, Results } from "@electric-sql/pglite";
import {
  AbortedTransactionError,
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

export interface PGliteDialectConfig {
  pglite: PGlite;
  /** Told once per acquisition that waits longer than `slowAcquireMs` (default 5 s). */
  onSlowAcquire?: (waitedMs: number) => void;
  slowAcquireMs?: number;
}

export class PGliteDialect implements Dialect {
  constructor(private readonly config: PGliteDialectConfig) {}

  createDriver(): Driver {
    return new PGliteDriver(this.config);
  }

  createQueryCompiler(): PostgresQueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): PostgresAdapter {
    return new PostgresAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>): PostgresIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** FIFO mutex: `acquire` resolves when the caller owns it; `release` wakes the next caller. */
class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    // Ownership passes straight to the next waiter, so nobody can slip in between.
    if (next) next();
    else this.#locked = false;
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;
  #destroyed = false;

  constructor(private readonly config: PGliteDialectConfig) {
    this.#connection = new PGliteConnection(config.pglite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed) throw new Error("the PGlite database is closed");
    const { onSlowAcquire, slowAcquireMs = 5_000 } = this.config;
    const started = performance.now();
    // A query that uses `db` inside `db.transaction()` instead of `trx` waits here forever:
    // say so rather than hang silently.
    const timer = onSlowAcquire ? setTimeout(() => onSlowAcquire(performance.now() - started), slowAcquireMs) : undefined;
    timer?.unref();
    try {
      await this.#mutex.acquire();
    } finally {
      clearTimeout(timer);
    }
    if (this.#destroyed) {
      this.#mutex.release();
      throw new Error("the PGlite database is closed");
    }
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = "begin";
    if (settings.isolationLevel || settings.accessMode) {
      text = "start transaction";
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) text += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw("commit"));
    // PostgreSQL answers COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
    if (rows[0]?.command === "ROLLBACK") throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.release();
  }

  /** Waits for the current user of the session (queued ones then fail), then closes PGlite. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await this.#mutex.acquire();
    try {
      await this.config.pglite.close();
    } finally {
      this.#mutex.release();
    }
  }
}

const affectingCommands = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Like pg, which uses the simple query protocol when there are no parameters: that path
    // accepts several statements (migrations) and answers with the last statement's result.
    const result: Results | undefined =
      compiledQuery.parameters.length === 0
        ? (await this.pglite.exec(compiledQuery.sql)).at(-1)
        : await this.pglite.query(compiledQuery.sql, [...compiledQuery.parameters]);
    const command = result?.command;
    if (command === "COMMIT" || command === "ROLLBACK") return { rows: [{ command } as R] };
    return {
      numAffectedRows: command && affectingCommands.has(command) ? BigInt(result?.rowCount ?? result?.affectedRows ?? 0) : undefined,
      rows: (result?.rows ?? []) as R[],
    };
  }

  // eslint-disable-next-line require-yield -- the interface wants a generator
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported on PGlite: use execute() with a limit");
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
