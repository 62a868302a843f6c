import { newId } from "@wrenn/core";
import { addMember, insertApiKey, insertTeam, insertUser, type Database } from "@wrenn/db";
import type { Kysely } from "kysely";
import { generateApiKey, hashPassword } from "../auth/secrets.js";

export interface BootstrappedAccount {
  userId: string;
  teamId: string;
  apiKeyId: string;
  apiKey: string;
}

/**
 * An active user with their own team (as owner) and an API key, in one transaction.
 * Used by `wrenn up` on first run and by tests; signups go through the activation flow.
 */
export async function bootstrapAccount(
  db: Kysely<Database>,
  input: { email: string; password: string; name?: string; teamName?: string; isAdmin?: boolean; keyName?: string },
): Promise<BootstrappedAccount> {
  const passwordHash = await hashPassword(input.password);
  const key = generateApiKey();
  return db.transaction().execute(async (trx) => {
    const team = await insertTeam(trx, { id: newId("team"), name: input.teamName ?? `${input.name ?? input.email.split("@")[0]}'s team` });
    const user = await insertUser(trx, {
      id: newId("user"),
      email: input.email,
      name: input.name ?? "",
      passwordHash,
      status: "active",
      isAdmin: input.isAdmin ?? false,
      defaultTeamId: team.id,
    });
    await addMember(trx, { userId: user.id, teamId: team.id, role: "owner" });
    const row = await insertApiKey(trx, { id: newId("apiKey"), teamId: team.id, name: input.keyName ?? "default", keyHash: key.hash, keyPrefix: key.prefix, createdBy: user.id });
    return { userId: user.id, teamId: team.id, apiKeyId: row.id, apiKey: key.plaintext };
  });
}
