import { listPlatformTemplates } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { Deps } from "../../deps.js";
import { builtinJson, snapshotJson } from "../capsule-snapshots.js";
import { builtinTemplates } from "../capsule-templates.js";
import type { AdminTemplateJson } from "./views.js";

/**
 * The templates every team may use: the host agent's built-ins and the platform templates
 * (no team) built with /v1/admin/builds. An unreachable agent leaves the built-ins out and
 * says so, rather than hiding the platform templates too.
 */
export async function listPlatformTemplatesWithBuiltins(deps: Deps, log: FastifyBaseLogger): Promise<{ templates: AdminTemplateJson[]; builtinsAvailable: boolean }> {
  const [builtins, platform] = await Promise.all([
    builtinTemplates(deps, { fresh: true }).catch((err: unknown) => {
      log.warn({ err }, "could not list the host agent's built-in templates");
      return undefined;
    }),
    listPlatformTemplates(deps.db),
  ]);
  return {
    templates: [...(builtins ?? []).map((t) => ({ ...builtinJson(t), builtin: true })), ...platform.map((t) => ({ ...snapshotJson(t), builtin: false }))],
    builtinsAvailable: builtins !== undefined,
  };
}
