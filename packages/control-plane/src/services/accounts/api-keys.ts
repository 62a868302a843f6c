/**
 * Team API keys. Any credential of the team may list them. Creating and revoking needs an
 * owner or admin session, or an API key: like E2B, a key can manage its team's keys, so
 * automation can rotate its own credentials. A key minted by a key is attributed to the
 * user who created the calling key.
 */
import { newId, WrennError } from "@wrenn/core";
import { insertApiKey, insertAudit, revokeTeamApiKey, type ApiKey } from "@wrenn/db";
import { actorOf, type AuthContext } from "../../auth/context.js";
import { generateApiKey } from "../../auth/secrets.js";
import type { Deps } from "../../deps.js";

function assertMayManageKeys(auth: AuthContext): void {
  if (auth.kind === "user" && auth.role !== "owner" && auth.role !== "admin") {
    throw new WrennError("forbidden", `managing API keys needs the owner or admin role in the team; yours is ${auth.role ?? "none"}`);
  }
}

export async function createApiKey(deps: Deps, auth: AuthContext, name: string): Promise<{ row: ApiKey; plaintext: string }> {
  assertMayManageKeys(auth);
  const key = generateApiKey();
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertApiKey(trx, { id: newId("apiKey"), teamId: auth.teamId, name, keyHash: key.hash, keyPrefix: key.prefix, createdBy: auth.userId });
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "api_key.create", resourceType: "api_key", resourceId: row.id, metadata: { name, key_prefix: key.prefix } });
    return { row, plaintext: key.plaintext };
  });
}

/** Revokes one of the caller's team's keys; other teams' keys are not_found. Takes effect on the next request. */
export async function revokeApiKey(deps: Deps, auth: AuthContext, id: string): Promise<void> {
  assertMayManageKeys(auth);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await revokeTeamApiKey(trx, auth.teamId, id, new Date()))) throw new WrennError("not_found", `API key ${id} not found`);
    await insertAudit(trx, { teamId: auth.teamId, ...actorOf(auth), action: "api_key.revoke", resourceType: "api_key", resourceId: id });
  });
  // Other replicas hear of it from the database; this one must not wait for that.
  deps.apiKeys.forget();
}
