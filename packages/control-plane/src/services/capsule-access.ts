import { WrennError } from "@wrenn/core";
import { findTeamCapsule, type Capsule } from "@wrenn/db";
import type { AuthContext } from "../auth/context.js";
import type { Deps } from "../deps.js";

/** The caller's team's capsule, or not_found (also for other teams' capsules, so ids never leak). */
export async function loadCapsule(deps: Deps, auth: AuthContext, id: string): Promise<Capsule> {
  const capsule = await findTeamCapsule(deps.db, auth.teamId, id);
  if (!capsule || capsule.status === "stopped") throw new WrennError("not_found", `capsule ${id} not found`);
  return capsule;
}

/** As loadCapsule, and the capsule must be running (exec, files, PTY, ports need it). */
export async function loadRunningCapsule(deps: Deps, auth: AuthContext, id: string): Promise<Capsule> {
  const capsule = await loadCapsule(deps, auth, id);
  if (capsule.status !== "running") {
    const hint = capsule.status === "paused" ? "; resume it first (POST /v1/capsules/{id}/resume)" : "";
    throw new WrennError("invalid_state", `capsule ${id} is ${capsule.status}, not running${hint}`);
  }
  return capsule;
}
