import { timestampDate } from "@bufbuild/protobuf/wkt";
import { WrennError, isTemplateName, newId } from "@wrenn/core";
import { deleteTemplate, findTeamTemplate, insertAudit, isDuplicateTemplateError, listTeamTemplates, transitionCapsule, type Capsule, type Template } from "@wrenn/db";
import type { TemplateInfo } from "@wrenn/proto/hostagent/v1";
import type { FastifyBaseLogger } from "fastify";
import { z } from "zod";
import { actorOf, type AuthContext } from "../auth/context.js";
import type { Deps } from "../deps.js";
import { emitEvent } from "./events.js";
import { dbStatusOf, isAgentNotFound, statusPatch } from "./capsule-agent-sync.js";
import { builtinTemplates, isBuiltinTemplate, resolveTemplate } from "./capsule-templates.js";

const templateExample = {
  name: "my-env",
  type: "snapshot",
  base_template: "python",
  vcpus: 1,
  memory_mb: 512,
  size_bytes: 52_428_800,
  created_at: "2025-01-01T12:00:00.000Z",
};

export const TemplateSchema = z
  .object({
    name: z.string(),
    type: z.enum(["base", "snapshot"]),
    base_template: z.string().meta({ description: "the built-in template it derives from (empty for built-ins)" }),
    vcpus: z.number().int().nullable().meta({ description: "the specs a snapshot was taken with and restores to; null for built-ins" }),
    memory_mb: z.number().int().nullable(),
    size_bytes: z.number().int(),
    created_at: z.string().nullable(),
  })
  .meta({ id: "Template", example: templateExample });

export type TemplateJson = z.infer<typeof TemplateSchema>;
export { templateExample };

export function snapshotJson(row: Template): TemplateJson {
  return {
    name: row.name,
    type: row.kind === "snapshot" ? "snapshot" : "base",
    base_template: row.base_template,
    vcpus: row.vcpus,
    memory_mb: row.memory_mb,
    size_bytes: Number(row.size_bytes),
    created_at: row.created_at.toISOString(),
  };
}

export function builtinJson(info: TemplateInfo): TemplateJson {
  return {
    name: info.name,
    type: "base",
    base_template: "",
    vcpus: null,
    memory_mb: null,
    size_bytes: Number(info.sizeBytes),
    created_at: info.createdAt ? timestampDate(info.createdAt).toISOString() : null,
  };
}

/** `<capsule id>-<UTC time>`, e.g. cl-…-20250101t120000z (fits the 64-character name limit). */
export function defaultSnapshotName(capsuleId: string, now = new Date()): string {
  return `${capsuleId}-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "z").toLowerCase()}`;
}

export async function listTemplatesFor(deps: Deps, teamId: string, type: "base" | "snapshot" | undefined): Promise<TemplateJson[]> {
  const [builtins, own] = await Promise.all([
    type === "snapshot" ? [] : builtinTemplates(deps, { fresh: true }),
    type === "base" ? [] : listTeamTemplates(deps.db, teamId, "snapshot"),
  ]);
  return [...builtins.map(builtinJson), ...own.map(snapshotJson)];
}

async function deleteFromAgent(deps: Deps, hostId: string | null, agentName: string, log: FastifyBaseLogger): Promise<void> {
  try {
    await (await deps.fleet.agentFor(hostId)).client.deleteSnapshot({ name: agentName });
  } catch (err) {
    if (!isAgentNotFound(err)) log.warn({ err, agentName }, "could not delete a snapshot from its host; its files stay until removed by hand");
  }
}

/**
 * Snapshots a running or paused capsule into a team template. The agent stores it under a
 * fresh `tpl-` id, so names are per team and never collide on the host. With `overwrite`,
 * the old snapshot is removed only after the new one exists.
 */
export async function createSnapshot(
  deps: Deps,
  auth: AuthContext,
  capsule: Capsule,
  input: { name?: string | undefined; overwrite: boolean },
  log: FastifyBaseLogger,
): Promise<Template> {
  if (capsule.status !== "running" && capsule.status !== "paused") {
    throw new WrennError("invalid_state", `capsule ${capsule.id} is ${capsule.status}; snapshot a running or paused capsule`);
  }
  const name = input.name ?? defaultSnapshotName(capsule.id);
  if (!isTemplateName(name)) throw new WrennError("invalid_request", `snapshot name "${name.slice(0, 80)}" must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`);
  if (await isBuiltinTemplate(deps, name)) throw new WrennError("conflict", `"${name}" is a built-in template; choose another snapshot name`);
  const existing = await findTeamTemplate(deps.db, auth.teamId, name);
  if (existing && !input.overwrite) throw new WrennError("conflict", `a template named "${name}" already exists; pass overwrite: true to replace it`);
  const base = (await resolveTemplate(deps, auth.teamId, capsule.template).catch(() => undefined))?.baseTemplate ?? capsule.template;

  const agentName = newId("template");
  const { template: info, capsule: after } = await (await deps.fleet.capsuleAgent(capsule)).client.createSnapshot({ capsuleId: capsule.id, name: agentName, overwrite: false });
  if (after) {
    const status = dbStatusOf(after.status);
    if (status && status !== capsule.status) await transitionCapsule(deps.db, capsule.id, [capsule.status], statusPatch(status, after));
  }
  let row: Template;
  try {
    row = await deps.db.transaction().execute(async (trx) => {
      if (existing) await deleteTemplate(trx, existing.id);
      return trx
        .insertInto("templates")
        .values({
          id: agentName,
          name,
          team_id: auth.teamId,
          kind: "snapshot",
          agent_name: agentName,
          base_template: base,
          vcpus: info?.vcpus || capsule.vcpus,
          memory_mb: info?.memoryMb || capsule.memory_mb,
          size_bytes: Number(info?.sizeBytes ?? 0n),
          host_id: capsule.host_id,
          created_by: auth.userId ?? auth.apiKeyId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  } catch (err) {
    await deleteFromAgent(deps, capsule.host_id, agentName, log);
    if (isDuplicateTemplateError(err)) throw new WrennError("conflict", `a template named "${name}" was created at the same time; pass overwrite: true to replace it`);
    throw err;
  }
  if (existing) await deleteFromAgent(deps, existing.host_id, existing.agent_name, log);
  await insertAudit(deps.db, {
    teamId: auth.teamId,
    ...actorOf(auth),
    action: "snapshot.create",
    resourceType: "template",
    resourceId: row.id,
    metadata: { name, capsule_id: capsule.id, overwrite: Boolean(existing) },
  });
  await emitEvent(deps, { type: "template.snapshot.created", teamId: auth.teamId, resourceId: row.id, data: { name, capsule_id: capsule.id, size_bytes: Number(row.size_bytes) } });
  return row;
}

/** Deletes one of the team's snapshots; built-ins are nobody's to delete. */
export async function deleteSnapshot(deps: Deps, auth: AuthContext, name: string): Promise<void> {
  const row = await findTeamTemplate(deps.db, auth.teamId, name);
  if (!row) {
    if (await isBuiltinTemplate(deps, name)) throw new WrennError("forbidden", `"${name}" is a built-in template and cannot be deleted`);
    throw new WrennError("not_found", `snapshot "${name}" not found`);
  }
  try {
    await (await deps.fleet.agentFor(row.host_id)).client.deleteSnapshot({ name: row.agent_name });
  } catch (err) {
    // Kept in the database when the host still has it, so it can be deleted again; a
    // deleted host took its snapshots with it.
    if (!isAgentNotFound(err) && !WrennError.is(err, "host_unavailable")) throw err;
  }
  await deleteTemplate(deps.db, row.id);
  await insertAudit(deps.db, { teamId: auth.teamId, ...actorOf(auth), action: "snapshot.delete", resourceType: "template", resourceId: row.id, metadata: { name } });
  await emitEvent(deps, { type: "template.snapshot.deleted", teamId: auth.teamId, resourceId: row.id, data: { name } });
}
