import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "@wrenn/db";
import { dbBackends, openTestDatabase, type TestDatabase } from "@wrenn/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";

const tick = (): Promise<void> => sleep(1);

describe.each(dbBackends)("transactions on %s", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind, { postgresUrl: inject("postgresUrl") });
    await sql`CREATE TABLE test_counter (id text PRIMARY KEY, value integer NOT NULL)`.execute(database.db);
  });
  afterAll(async () => {
    await database?.cleanup();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("teams").execute();
  });

  it("20 concurrent read-modify-write transactions with FOR UPDATE lose no update", async () => {
    const { db } = database;
    await sql`INSERT INTO test_counter VALUES ('c', 0)`.execute(db);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ value: number }>`SELECT value FROM test_counter WHERE id = ${"c"} FOR UPDATE`.execute(trx);
          await tick();
          await sql`UPDATE test_counter SET value = ${rows[0]!.value + 1} WHERE id = ${"c"}`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ value: number }>`SELECT value FROM test_counter WHERE id = 'c'`.execute(db);
    expect(rows[0]?.value).toBe(20);
  });

  it("rolls back on error and stays usable", async () => {
    const { db } = database;
    const err = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("teams").values({ id: "team-rolled", name: "x" }).execute();
        await trx.insertInto("teams").values({ id: "team-rolled", name: "duplicate" }).execute();
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505" });
    expect(await db.selectFrom("teams").select("id").execute()).toEqual([]);
    await db.insertInto("teams").values({ id: "team-after", name: "x" }).execute();
    expect(await db.selectFrom("teams").select("id").execute()).toEqual([{ id: "team-after" }]);
  });

  it("supports controlled transactions with savepoints", async () => {
    const { db } = database;
    const trx = await db.startTransaction().execute();
    try {
      await trx.insertInto("teams").values({ id: "team-kept", name: "x" }).execute();
      const inner = await trx.savepoint("before_second").execute();
      await inner.insertInto("teams").values({ id: "team-undone", name: "x" }).execute();
      await inner.rollbackToSavepoint("before_second").execute();
      await trx.commit().execute();
    } catch (err) {
      await trx.rollback().execute();
      throw err;
    }
    expect(await db.selectFrom("teams").select("id").execute()).toEqual([{ id: "team-kept" }]);
  });
});

describe("the PGlite session is shared safely", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase("pglite", { postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await database?.cleanup();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("teams").execute();
  });

  it("makes a plain query wait for an open transaction, then see only committed state", async () => {
    const { db } = database;
    const events: string[] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));

    const rolledBack = db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("teams").values({ id: "team-uncommitted", name: "x" }).execute();
        inside();
        await gate;
        events.push("transaction ends");
        throw new Error("roll back");
      })
      .catch((err: Error) => err.message);

    await entered;
    const plain = db
      .selectFrom("teams")
      .select("id")
      .execute()
      .then((rows) => {
        events.push("plain query answered");
        return rows;
      });
    await sleep(50);
    expect(events).toEqual([]);
    openGate();
    expect(await plain).toEqual([]);
    expect(await rolledBack).toBe("roll back");
    expect(events).toEqual(["transaction ends", "plain query answered"]);
  });

  it("keeps interleaved transactions and plain queries apart", async () => {
    const { db } = database;
    const committed = new Set<string>();
    const ids = Array.from({ length: 12 }, (_, i) => `team-${String(i).padStart(2, "0")}`);
    const rollsBack = (id: string): boolean => Number(id.slice(-2)) % 3 === 0;
    const leaks: string[] = [];
    const visible = async (q: typeof db): Promise<string[]> => (await q.selectFrom("teams").select("id").orderBy("id").execute()).map((r) => r.id);

    const transactions = ids.map((id) =>
      db
        .transaction()
        .execute(async (trx) => {
          await tick();
          await trx.insertInto("teams").values({ id, name: "x" }).execute();
          await tick();
          const seen = await visible(trx);
          const expected = [...committed, id].sort();
          if (JSON.stringify(seen) !== JSON.stringify(expected)) leaks.push(`${id} saw ${seen.join(",")}`);
          if (rollsBack(id)) throw new Error("roll back");
          committed.add(id);
        })
        .catch(() => undefined),
    );
    const plainQueries = Array.from({ length: 12 }, async (_, i) => {
      await sleep(i);
      const seen = await visible(db);
      const uncommitted = seen.filter((id) => !committed.has(id));
      if (uncommitted.length > 0) leaks.push(`plain query saw uncommitted ${uncommitted.join(",")}`);
    });
    await Promise.all([...transactions, ...plainQueries]);

    expect(leaks).toEqual([]);
    expect(await visible(db)).toEqual(ids.filter((id) => !rollsBack(id)));
  });
});
