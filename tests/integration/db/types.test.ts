import { sql } from "@wrenn/db";
import { dbBackends, openTestDatabase, type TestDatabase } from "@wrenn/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// Values chosen to break naive handling: int8 beyond 2^53, quotes, unicode, JSON-looking strings.
const metadata = { owner: "ada", note: 'said "hi"\n\ttab \\ back', unicode: "ünï 🐦 中文", looksLikeJson: '{"a":1}', empty: "" };
const network = { ports: [8080, 3000], egress: { mode: "allow", cidrs: ["10.0.0.0/8"] }, nested: { deep: [{ x: null, y: true, z: 1.5 }] } };
const startedAt = new Date("2024-05-06T07:08:09.123Z");
const bigSize = "9007199254740993"; // 2^53 + 1: a JS number would round it

describe.each(dbBackends)("column types on %s", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind, { postgresUrl: inject("postgresUrl") });
    const { db } = database;
    await db.insertInto("teams").values({ id: "team-1", name: "Team" }).execute();
    await db
      .insertInto("capsules")
      .values({
        id: "capsule-1",
        team_id: "team-1",
        template: "base",
        status: "running",
        vcpus: 2,
        memory_mb: 512,
        metadata: JSON.stringify(metadata),
        network: JSON.stringify(network),
        started_at: startedAt,
      })
      .execute();
    await db.insertInto("hosts").values({ id: "host-1", tags: JSON.stringify(["gpu", "eu-west"]) }).execute();
    await db
      .insertInto("templates")
      .values({ id: "tpl-1", name: "base", kind: "image", agent_name: "base", size_bytes: bigSize })
      .execute();
    await db.insertInto("daily_usage").values({ team_id: "team-1", day: "2024-02-29", cpu_minutes: 1.25 }).execute();
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it("round-trips jsonb written as JSON.stringify strings, with and without parameters", async () => {
    const { db } = database;
    const row = await db.selectFrom("capsules").select(["metadata", "network"]).where("id", "=", "capsule-1").executeTakeFirstOrThrow();
    expect(row).toEqual({ metadata, network });
    // A query without parameters takes the other protocol path on both back ends.
    const plain = await db.selectFrom("capsules").select(["metadata", "network"]).execute();
    expect(plain).toEqual([{ metadata, network }]);
    const host = await db.selectFrom("hosts").select("tags").executeTakeFirstOrThrow();
    expect(host.tags).toEqual(["gpu", "eu-west"]);

    const changed = { ...metadata, owner: "grace" };
    const result = await db.updateTable("capsules").set({ metadata: JSON.stringify(changed) }).where("id", "=", "capsule-1").executeTakeFirst();
    expect(result.numUpdatedRows).toBe(1n);
    const after = await db.selectFrom("capsules").select("metadata").where("id", "=", "capsule-1").executeTakeFirstOrThrow();
    expect(after.metadata).toEqual(changed);
    // Stored as a JSON object, not as a JSON string holding an object.
    const typed = await sql<{ t: string; owner: string }>`SELECT jsonb_typeof(metadata) AS t, metadata->>'owner' AS owner FROM capsules`.execute(db);
    expect(typed.rows).toEqual([{ t: "object", owner: "grace" }]);
    await db.updateTable("capsules").set({ metadata: JSON.stringify(metadata) }).execute();
  });

  it("reads every column type the same way as the other back end", async () => {
    const { db } = database;
    const capsule = await db.selectFrom("capsules").selectAll().where("id", "=", "capsule-1").executeTakeFirstOrThrow();
    expect(capsule.started_at).toBeInstanceOf(Date);
    expect(capsule.started_at?.toISOString()).toBe(startedAt.toISOString());
    expect(capsule.created_at).toBeInstanceOf(Date);
    expect(Math.abs(capsule.created_at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(capsule.paused_at).toBeNull();
    expect(capsule.public_ports).toBe(true);
    expect(capsule.vcpus).toBe(2);

    const template = await db.selectFrom("templates").select("size_bytes").executeTakeFirstOrThrow();
    expect(template.size_bytes).toBe(bigSize);

    const usage = await db.selectFrom("daily_usage").selectAll().where("day", "=", "2024-02-29").executeTakeFirstOrThrow();
    expect(usage).toEqual({ team_id: "team-1", day: "2024-02-29", cpu_minutes: 1.25, ram_mb_minutes: 0 });

    const inserted = await db
      .insertInto("email_outbox")
      .values({ to_address: "a@example.com", subject: "s", body: "b" })
      .returning(["id", "created_at"])
      .executeTakeFirstOrThrow();
    expect(inserted.id).toBe("1");
    expect(inserted.created_at).toBeInstanceOf(Date);

    const literals = await sql<Record<string, unknown>>`SELECT
        count(*) AS count,
        ${"5"}::int8 AS int8_param,
        '2024-12-31'::date AS date,
        '2024-12-31T23:59:59.999+02:00'::timestamptz AS timestamptz,
        1.5::numeric AS numeric,
        2.5::float8 AS float8,
        7::int4 AS int4,
        true AS bool,
        ARRAY[1, 2]::int8[] AS int8_array,
        '{"k": [1]}'::jsonb AS jsonb,
        '[1, "a"]'::json AS json
      FROM teams`.execute(db);
    expect(literals.rows).toEqual([
      {
        count: "1",
        int8_param: "5",
        date: "2024-12-31",
        timestamptz: new Date("2024-12-31T21:59:59.999Z"),
        numeric: "1.5",
        float8: 2.5,
        int4: 7,
        bool: true,
        int8_array: ["1", "2"],
        jsonb: { k: [1] },
        json: [1, "a"],
      },
    ]);
    // Without parameters (pg's simple protocol, PGlite's exec path) the parsers are the same.
    const simple = await sql<Record<string, unknown>>`SELECT '2024-12-31'::date AS date, 9007199254740993::int8 AS int8, '2024-01-01T00:00:00Z'::timestamptz AS ts`.execute(db);
    expect(simple.rows).toEqual([{ date: "2024-12-31", int8: bigSize, ts: new Date("2024-01-01T00:00:00Z") }]);
  });

  it("reports affected rows for insert, update and delete", async () => {
    const { db } = database;
    const insert = await db
      .insertInto("teams")
      .values([
        { id: "team-a", name: "A" },
        { id: "team-b", name: "B" },
      ])
      .executeTakeFirst();
    expect(insert.numInsertedOrUpdatedRows).toBe(2n);
    const update = await db.updateTable("teams").set({ name: "renamed" }).where("id", "in", ["team-a", "team-b"]).executeTakeFirst();
    expect(update.numUpdatedRows).toBe(2n);
    const none = await db.updateTable("teams").set({ name: "x" }).where("id", "=", "nope").executeTakeFirst();
    expect(none.numUpdatedRows).toBe(0n);
    const del = await db.deleteFrom("teams").where("id", "in", ["team-a", "team-b"]).executeTakeFirst();
    expect(del.numDeletedRows).toBe(2n);
  });

  it("raises PostgreSQL errors with their SQLSTATE code", async () => {
    const { db } = database;
    const err = await db.insertInto("teams").values({ id: "team-1", name: "dup" }).execute().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505", constraint: "teams_pkey" });
  });
});
