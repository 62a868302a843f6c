import type { Kysely } from "kysely";
import type { ApiKey, Database } from "../schema.js";

type Db = Kysely<Database>;

/** A key as its team lists it: never the hash. */
export interface ApiKeyListing {
  id: string;
  name: string;
  key_prefix: string;
  created_by: string | null;
  created_by_email: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

export async function insertApiKey(
  db: Db,
  key: { id: string; teamId: string; name: string; keyHash: string; keyPrefix: string; createdBy: string | null },
): Promise<ApiKey> {
  return db
    .insertInto("team_api_keys")
    .values({
      id: key.id,
      team_id: key.teamId,
      name: key.name,
      key_hash: key.keyHash,
      key_prefix: key.keyPrefix,
      created_by: key.createdBy,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An unrevoked key of a live team by the SHA-256 of its plaintext. */
export async function findActiveApiKeyByHash(db: Db, keyHash: string): Promise<ApiKey | undefined> {
  return db
    .selectFrom("team_api_keys")
    .innerJoin("teams", "teams.id", "team_api_keys.team_id")
    .selectAll("team_api_keys")
    .where("team_api_keys.key_hash", "=", keyHash)
    .where("team_api_keys.revoked_at", "is", null)
    .where("teams.deleted_at", "is", null)
    .executeTakeFirst();
}

export async function touchApiKey(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable("team_api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
}

/** The team's unrevoked keys, newest first. */
export async function listTeamApiKeys(db: Db, teamId: string): Promise<ApiKeyListing[]> {
  return db
    .selectFrom("team_api_keys")
    .leftJoin("users", "users.id", "team_api_keys.created_by")
    .select([
      "team_api_keys.id",
      "team_api_keys.name",
      "team_api_keys.key_prefix",
      "team_api_keys.created_by",
      "users.email as created_by_email",
      "team_api_keys.created_at",
      "team_api_keys.last_used_at",
    ])
    .where("team_api_keys.team_id", "=", teamId)
    .where("team_api_keys.revoked_at", "is", null)
    .orderBy("team_api_keys.created_at", "desc")
    .orderBy("team_api_keys.id", "desc")
    .execute();
}

/** Revokes one of the team's live keys; false when the team has no such key (or it was already revoked). */
export async function revokeTeamApiKey(db: Db, teamId: string, id: string, at: Date): Promise<boolean> {
  const row = await db
    .updateTable("team_api_keys")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("team_id", "=", teamId)
    .where("revoked_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Revokes every live key a user created, in any team; returns their ids. */
export async function revokeApiKeysCreatedBy(db: Db, userId: string, at: Date): Promise<string[]> {
  const rows = await db
    .updateTable("team_api_keys")
    .set({ revoked_at: at })
    .where("created_by", "=", userId)
    .where("revoked_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}
