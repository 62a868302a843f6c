import { WrennError, newId, templateNamePattern } from "@wrenn/core";
import { insertAudit, insertBuild, type TemplateBuildSummary } from "@wrenn/db";
import { z } from "zod";
import { actorOf, type AuthContext } from "../../auth/context.js";
import type { Deps } from "../../deps.js";
import { isBuiltinTemplate } from "../capsule-templates.js";
import { parseHealthcheck, parseRecipe } from "./recipe.js";
import { resolveBuildBase, buildServiceOf } from "./service.js";

export const MAX_ARCHIVE_BYTES = 100 * 1024 * 1024;

export const BuildInput = z.strictObject({
  name: z
    .string()
    .regex(templateNamePattern, "template names are 1-64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit")
    .meta({ description: "the template to create or replace", example: "my-env" }),
  base_template: z
    .string()
    .regex(templateNamePattern, "must be a template name")
    .default("minimal")
    .meta({ description: "a built-in, platform or own template to start from", example: "python" }),
  recipe: z
    .array(z.string().max(16 * 1024))
    .min(1)
    .max(2000)
    .meta({ description: "one instruction per item: RUN [--timeout=5m] <cmd>, ENV K=V, WORKDIR <path>, USER <name>, COPY <src>… <dst>, START <cmd>; # comments" }),
  healthcheck: z.string().max(16 * 1024).optional().meta({ description: "[--interval=2s] [--timeout=10s] [--start-period=0s] [--retries=10] <cmd>" }),
  vcpus: z.number().int().min(1).max(8).default(1),
  memory_mb: z.number().int().min(128).max(16_384).default(512),
});
export type BuildInputValue = z.output<typeof BuildInput>;

export interface Archive {
  bytes: Buffer;
  format: "tar" | "tar.gz" | "zip";
}

/** The archive's format from its first bytes (the file name is not trusted). */
export function archiveFormat(bytes: Buffer): Archive["format"] {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "tar.gz";
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) return "zip";
  if (bytes.subarray(257, 262).toString("latin1") === "ustar") return "tar";
  throw new WrennError("invalid_request", "the archive is not a tar, tar.gz or zip file");
}

/**
 * Checks a build request completely (recipe syntax, healthcheck, base template, archive)
 * and queues it. `teamId` null = a platform template.
 */
export async function createBuild(deps: Deps, auth: AuthContext, teamId: string | null, input: BuildInputValue, archive: Archive | undefined): Promise<TemplateBuildSummary> {
  const steps = parseRecipe(input.recipe);
  const healthcheck = input.healthcheck?.trim() ? parseHealthcheck(input.healthcheck) : null;
  const copyLine = steps.findIndex((s) => s.instruction === "COPY");
  if (copyLine >= 0 && !archive) {
    throw new WrennError("invalid_request", `step ${copyLine + 1} (COPY) takes files from an archive, and none was uploaded: send multipart with an archive file (tar, tar.gz or zip)`);
  }
  if (await isBuiltinTemplate(deps, input.name)) throw new WrennError("conflict", `"${input.name}" is a built-in template; choose another name`);
  try {
    await resolveBuildBase(deps, teamId, input.base_template);
  } catch (err) {
    if (WrennError.is(err, "not_found")) throw new WrennError("invalid_request", `base_template "${input.base_template}" does not exist; use a built-in template or one of your own`);
    throw err;
  }
  const build = await insertBuild(deps.db, {
    id: newId("build"),
    team_id: teamId,
    name: input.name,
    base_template: input.base_template,
    recipe: JSON.stringify(steps),
    healthcheck: healthcheck && JSON.stringify(healthcheck),
    vcpus: input.vcpus,
    memory_mb: input.memory_mb,
    archive: archive?.bytes ?? null,
    archive_format: archive?.format ?? "",
    created_by: actorOf(auth).actorId,
  });
  await insertAudit(deps.db, {
    teamId,
    ...actorOf(auth),
    action: "build.create",
    resourceType: "build",
    resourceId: build.id,
    metadata: { name: input.name, base_template: input.base_template, steps: steps.length, archive_bytes: archive?.bytes.length ?? 0 },
  });
  buildServiceOf(deps).wake();
  return build;
}
