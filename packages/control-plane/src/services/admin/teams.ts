import { WrennError } from "@wrenn/core";
import {
  findTeamForAdmin,
  insertAudit,
  listLiveCapsuleIds,
  listTeamsForAdmin,
  lockLiveTeam,
  setTeamByoc,
  softDeleteTeam,
  teamRowExists,
  type AdminTeamRow,
} from "@wrenn/db";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";

export interface PageQuery {
  limit: number;
  before?: string | undefined;
}

export async function listTeams(deps: Deps, query: PageQuery & { q?: string | undefined }): Promise<{ teams: AdminTeamRow[]; nextCursor: string | null }> {
  if (query.before !== undefined && !(await teamRowExists(deps.db, query.before))) {
    throw new WrennError("invalid_request", "before is not a cursor from this API; pass the next_cursor of the previous page");
  }
  // One extra row tells whether another page exists without a second query.
  const rows = await listTeamsForAdmin(deps.db, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { before: query.before } : {}),
    ...(query.q ? { q: query.q } : {}),
  });
  const teams = rows.slice(0, query.limit);
  return { teams, nextCursor: rows.length > query.limit ? teams[teams.length - 1]!.id : null };
}

async function loadTeam(deps: Deps, id: string): Promise<AdminTeamRow> {
  const team = await findTeamForAdmin(deps.db, id);
  if (!team) throw new WrennError("not_found", `team ${id} not found`);
  return team;
}

/** Turns bring-your-own-host on or off for a team; a change is audited in the team's log. */
export async function setByoc(deps: Deps, auth: AuthContext, teamId: string, isByoc: boolean): Promise<AdminTeamRow> {
  await deps.db.transaction().execute(async (trx) => {
    const team = await lockLiveTeam(trx, teamId);
    if (!team) throw new WrennError("not_found", `team ${teamId} not found`);
    if (team.is_byoc === isByoc) return;
    await setTeamByoc(trx, teamId, isByoc);
    await insertAudit(trx, {
      teamId,
      ...actorOf(auth),
      action: isByoc ? "team.byoc_enabled" : "team.byoc_disabled",
      resourceType: "team",
      resourceId: teamId,
      metadata: { platform_admin: true },
    });
  });
  return loadTeam(deps, teamId);
}

/**
 * Soft-deletes any team. Refused while capsules still hold host resources, so nothing keeps
 * running unbilled and unreachable. Its API keys and sessions stop working at once.
 */
export async function deleteTeamAsAdmin(deps: Deps, auth: AuthContext, teamId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const team = await lockLiveTeam(trx, teamId);
    if (!team) throw new WrennError("not_found", `team ${teamId} not found`);
    const live = await listLiveCapsuleIds(trx, teamId);
    if (live.length > 0) {
      throw new WrennError("team_has_capsules", `team ${teamId} still has ${live.length} pending, running or paused capsule(s); destroy them first (DELETE /v1/capsules/{id} with a key of the team)`, {
        details: { capsule_ids: live },
      });
    }
    await softDeleteTeam(trx, teamId, new Date());
    await insertAudit(trx, { teamId, ...actorOf(auth), action: "team.delete", resourceType: "team", resourceId: teamId, metadata: { name: team.name, platform_admin: true } });
  });
  deps.apiKeys.forget();
}
