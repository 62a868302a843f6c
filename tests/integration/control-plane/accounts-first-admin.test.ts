// The first-admin rule under real concurrency, at the repository: several pending users
// activated at once on a fresh platform yield exactly one platform admin. Without the
// advisory lock in activatePendingUser, PostgreSQL hands out several admins every round.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newId } from "@wrenn/core";
import { activatePendingUser, insertUser, softDeleteUser } from "@wrenn/db";
import { dbBackends, openTestDatabase, type TestDatabase } from "@wrenn/testkit";

describe.each(dbBackends)("first platform admin on %s", (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend, { postgresUrl: inject("postgresUrl") });
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  async function pendingUsers(round: number, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await insertUser(database.db, { id: newId("user"), email: `r${round}-${i}@example.test`, passwordHash: "x" })).id);
    return ids;
  }

  it("makes exactly one of several concurrent first activations admin", async () => {
    for (let round = 0; round < 5; round++) {
      await database.db.deleteFrom("users").execute();
      const ids = await pendingUsers(round, 6);
      const users = await Promise.all(ids.map((id) => database.db.transaction().execute((trx) => activatePendingUser(trx, id))));
      expect(users.every((u) => u?.status === "active")).toBe(true);
      expect(users.filter((u) => u?.is_admin)).toHaveLength(1);
    }
  });

  it("does not hand admin to the next signup when the admin's account is deleted", async () => {
    await database.db.deleteFrom("users").execute();
    const [first, second] = await pendingUsers(99, 2);
    const admin = await database.db.transaction().execute((trx) => activatePendingUser(trx, first!));
    expect(admin?.is_admin).toBe(true);
    await softDeleteUser(database.db, first!, new Date());
    const next = await database.db.transaction().execute((trx) => activatePendingUser(trx, second!));
    expect(next).toMatchObject({ status: "active", is_admin: false });
    // Activating twice does nothing the second time.
    expect(await database.db.transaction().execute((trx) => activatePendingUser(trx, second!))).toBeUndefined();
  });
});
