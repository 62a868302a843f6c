import { migrate, openDatabase, pendingMigrations, sql } from "@wrenn/db";
import { dbBackends, openTestDatabase, type TestDatabase } from "@wrenn/testkit";
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, inject, it } from "vitest";

const migrationFiles = readdirSync(new URL("../../../packages/db/migrations/", import.meta.url))
  .filter((name) => name.endsWith(".sql"))
  .sort()
  .map((name) => name.slice(0, -".sql".length));

const schemaTables = [
  "audit_logs",
  "capsule_metric_points",
  "capsules",
  "channels",
  "daily_usage",
  "email_outbox",
  "event_deliveries",
  "events",
  "hosts",
  "one_time_tokens",
  "schema_migrations",
  "team_api_keys",
  "team_metric_snapshots",
  "teams",
  "template_builds",
  "templates",
  "users",
  "users_teams",
  "worker_leases",
];

describe.each(dbBackends)("migrations on %s", (kind) => {
  const opened: TestDatabase[] = [];
  const open = async (migrateOnOpen = true): Promise<TestDatabase> => {
    const database = await openTestDatabase(kind, { postgresUrl: inject("postgresUrl"), migrate: migrateOnOpen });
    opened.push(database);
    return database;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.cleanup()));
  });

  it("applies every file once, and a second open applies nothing", async () => {
    const database = await open(false);
    expect(await pendingMigrations(database.db)).toEqual(migrationFiles);
    expect(await migrate(database.db)).toEqual(migrationFiles);
    expect(await migrate(database.db)).toEqual([]);
    expect(await pendingMigrations(database.db)).toEqual([]);
    await database.close();

    const logs: string[] = [];
    const again = await openDatabase({ ...database.target, log: (msg) => logs.push(msg) });
    try {
      expect(logs).not.toContain("migration applied");
      expect(logs).toContain("database opened");
      expect(await pendingMigrations(again.db)).toEqual([]);
      const versions = await sql<{ version: string }>`SELECT version FROM schema_migrations ORDER BY version`.execute(again.db);
      expect(versions.rows.map((r) => r.version)).toEqual(migrationFiles);
    } finally {
      await again.close();
    }
  });

  it("creates every table of the schema", async () => {
    const { db } = await open();
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => t.name).sort()).toEqual(schemaTables);
    const capsules = tables.find((t) => t.name === "capsules");
    expect(capsules?.columns.find((c) => c.name === "metadata")?.dataType).toBe("jsonb");
  });

  it("serializes concurrent migrate() calls", async () => {
    const { db } = await open(false);
    const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
    expect(results.flat().sort()).toEqual(migrationFiles);
    const count = await sql<{ n: string }>`SELECT count(*) AS n FROM schema_migrations`.execute(db);
    expect(count.rows[0]?.n).toBe(String(migrationFiles.length));
  });
});

describe("migrations on postgres with several control planes", () => {
  it("lets two processes start together: one migrates, the other waits and finds it done", async () => {
    const first = await openTestDatabase("postgres", { postgresUrl: inject("postgresUrl"), migrate: false });
    try {
      const logs: string[][] = [[], []];
      const both = await Promise.all(logs.map((sink) => openDatabase({ ...first.target, log: (msg, fields) => sink.push(`${msg} ${JSON.stringify(fields)}`) })));
      await Promise.all(both.map((d) => d.close()));
      const applied = logs.flat().filter((line) => line.startsWith("migration applied"));
      expect(applied).toHaveLength(migrationFiles.length);
      expect(await pendingMigrations(first.db)).toEqual([]);
    } finally {
      await first.cleanup();
    }
  });
});
