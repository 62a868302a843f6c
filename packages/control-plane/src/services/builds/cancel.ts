import { WrennError } from "@wrenn/core";
import { finishBuild, findBuild, insertAudit, type TemplateBuildSummary } from "@wrenn/db";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { buildServiceOf } from "./service.js";

export async function loadBuild(deps: Deps, teamId: string | null, id: string): Promise<TemplateBuildSummary> {
  const build = await findBuild(deps.db, teamId, id);
  if (!build) throw new WrennError("not_found", `build ${id} not found`);
  return build;
}

/**
 * Pending → cancelled; running → cancelled and the agent stream aborted (the agent then
 * destroys the build capsule). Finished builds answer `invalid_state`.
 */
export async function cancelBuild(deps: Deps, auth: AuthContext, teamId: string | null, id: string): Promise<TemplateBuildSummary> {
  const build = await loadBuild(deps, teamId, id);
  const done = await finishBuild(deps.db, id, ["pending", "running"], { status: "cancelled", error: "cancelled" });
  if (!done) throw new WrennError("invalid_state", `build ${id} is ${build.status}; only pending or running builds can be cancelled`);
  const service = buildServiceOf(deps);
  service.abort(id);
  service.events.publish(id, { type: "finished", status: "cancelled", error: "cancelled" });
  await insertAudit(deps.db, { teamId, ...actorOf(auth), action: "build.cancel", resourceType: "build", resourceId: id, metadata: { name: build.name, was: build.status } });
  return done;
}
