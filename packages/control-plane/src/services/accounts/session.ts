import { findMembership, findTeamById, insertAudit, listUserTeams, setDefaultTeam, type Database, type TeamWithRole, type User } from "@wrenn/db";
import type { Kysely } from "kysely";
import { signUserToken } from "../../auth/jwt.js";
import type { Deps } from "../../deps.js";
import { createTeamWithOwner, personalTeamName } from "./teams.js";
import { teamJson, userJson, type SessionJson } from "./views.js";

/** A JWT for the user acting in the team, with the user and team as the client shows them. */
export async function issueSession(deps: Deps, user: User, team: TeamWithRole): Promise<SessionJson> {
  const { token, expiresAt } = await signUserToken(deps.config.jwtSecret, { userId: user.id, teamId: team.id });
  return { token, expires_at: expiresAt.toISOString(), user: userJson(user), team: teamJson(team) };
}

/**
 * The team a new session starts in: the default team while the user is still in it, else
 * their oldest team. A user left with no team (all deleted or left) gets a new personal
 * team, so every session has a team to act for.
 */
export async function sessionTeam(db: Kysely<Database>, user: User): Promise<TeamWithRole> {
  if (user.default_team_id) {
    const membership = await findMembership(db, user.id, user.default_team_id);
    const team = membership ? await findTeamById(db, user.default_team_id) : undefined;
    if (membership && team) return { ...team, role: membership.role };
  }
  const teams = await listUserTeams(db, user.id);
  if (teams[0]) return teams[0];
  return db.transaction().execute(async (trx) => {
    const team = await createTeamWithOwner(trx, user.id, personalTeamName(user));
    await setDefaultTeam(trx, user.id, team.id);
    await insertAudit(trx, { teamId: team.id, actorType: "user", actorId: user.id, action: "team.create", resourceType: "team", resourceId: team.id, metadata: { name: team.name, reason: "user had no team left" } });
    return team;
  });
}
