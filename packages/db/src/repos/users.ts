import { sql, type Kysely } from "kysely";
import type { Database, User, UserStatus } from "../schema.js";

type Db = Kysely<Database>;

/** Arbitrary constant: serializes activations so exactly one user can become the first admin. */
const FIRST_ADMIN_LOCK_ID = 0x77726e61646d;

export async function insertUser(
  db: Db,
  user: { id: string; email: string; name?: string; passwordHash: string; status?: UserStatus; isAdmin?: boolean; defaultTeamId?: string | null },
): Promise<User> {
  return db
    .insertInto("users")
    .values({
      id: user.id,
      email: user.email,
      name: user.name ?? "",
      password_hash: user.passwordHash,
      status: user.status ?? "pending",
      is_admin: user.isAdmin ?? false,
      default_team_id: user.defaultTeamId ?? null,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A live (not soft-deleted) user by id. */
export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

/** A live user by e-mail address, case-insensitively. */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email.toLowerCase()))
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

/** True when the error is the unique index on live e-mail addresses (a concurrent signup or change won). */
export function isDuplicateEmailError(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e?.code === "23505" && e.constraint === "users_email_live";
}

/**
 * Moves a pending user to active. The user becomes platform admin when no other user has
 * ever been activated or made admin (soft-deleted ones count, so deleting the admin never
 * hands the platform to the next signup). Must run inside a transaction: the advisory lock
 * makes two concurrent first activations take turns.
 */
export async function activatePendingUser(trx: Db, id: string): Promise<User | undefined> {
  await sql`SELECT pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_ID})`.execute(trx);
  return trx
    .updateTable("users")
    .set((eb) => ({
      status: "active",
      updated_at: new Date(),
      is_admin: eb.or([
        eb.ref("is_admin"),
        eb.not(
          eb.exists(
            eb
              .selectFrom("users as other")
              .select(eb.lit(1).as("one"))
              .whereRef("other.id", "<>", "users.id")
              .where((o) => o.or([o("other.status", "<>", "pending"), o("other.is_admin", "=", true)])),
          ),
        ),
      ]).$castTo<boolean>(),
    }))
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

/** Changes a live (not deleted) user; `updated_at` follows. */
export async function updateLiveUser(db: Db, id: string, patch: { name?: string; email?: string; status?: UserStatus; is_admin?: boolean }): Promise<User | undefined> {
  return db
    .updateTable("users")
    .set({ ...patch, updated_at: new Date() })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

export async function setUserPassword(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash, updated_at: new Date(), password_changed_at: new Date() }).where("id", "=", id).where("deleted_at", "is", null).execute();
}

export async function setDefaultTeam(db: Db, id: string, teamId: string): Promise<void> {
  await db.updateTable("users").set({ default_team_id: teamId, updated_at: new Date() }).where("id", "=", id).execute();
}

/** Soft delete: the row stays for audit history; the address becomes free for a new account. */
export async function softDeleteUser(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable("users").set({ deleted_at: at, updated_at: at }).where("id", "=", id).where("deleted_at", "is", null).execute();
}

/** An active, live user by exact address (case-insensitive): for inviting people to a team. */
export async function findActiveUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const user = await findUserByEmail(db, email);
  return user?.status === "active" ? user : undefined;
}
