/**
 * Runs one database suite on both back ends:
 *
 *   describe.each(dbBackends)("%s", (kind) => {
 *     let database: TestDatabase;
 *     beforeAll(async () => { database = await openTestDatabase(kind, { postgresUrl: inject("postgresUrl") }); });
 *     afterAll(() => database.cleanup());
 *   });
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type OpenDatabaseOptions, type WrennDatabase } from "@wrenn/db";
import { createTestDatabase, dropTestDatabase } from "./postgres.js";

export const dbBackends = ["pglite", "postgres"] as const;
export type DbBackend = (typeof dbBackends)[number];

export interface TestDatabase extends WrennDatabase {
  /** Where it lives: pass to `openDatabase` again to reopen it (restarts, second processes). */
  target: { dataDir: string } | { url: string };
  /** Closes the database and deletes it (the temp directory or the PostgreSQL database). */
  cleanup(): Promise<void>;
}

/** A fresh, migrated database: PGlite in a new temp directory, or a new database on the test cluster. */
export async function openTestDatabase(
  kind: DbBackend,
  opts: { postgresUrl: string } & Pick<OpenDatabaseOptions, "migrate" | "log">,
): Promise<TestDatabase> {
  const { postgresUrl, ...openOptions } = opts;
  if (kind === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "wrenn-pglite-"));
    try {
      const database = await openDatabase({ ...openOptions, dataDir });
      return withCleanup(database, { dataDir }, () => rmSync(dataDir, { recursive: true, force: true }));
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }
  const url = await createTestDatabase(postgresUrl);
  try {
    const database = await openDatabase({ ...openOptions, url });
    return withCleanup(database, { url }, () => dropTestDatabase(url));
  } catch (err) {
    await dropTestDatabase(url);
    throw err;
  }
}

function withCleanup(database: WrennDatabase, target: TestDatabase["target"], remove: () => void | Promise<void>): TestDatabase {
  let cleaned: Promise<void> | undefined;
  return {
    ...database,
    target,
    cleanup: () =>
      (cleaned ??= (async () => {
        try {
          await database.close();
        } finally {
          await remove();
        }
      })()),
  };
}
