/**
 * The JSON shapes of the platform admin API, with the row → JSON mapping beside each
 * schema so the two cannot drift.
 */
import type { AdminTeamRow, AdminUserRow, AuditLog, Capsule } from "@wrenn/db";
import { z } from "zod";
import { exampleIds } from "../../http/schemas.js";
import { CapsuleSchema, capsuleExample, capsuleJson } from "../capsule-json.js";
import { TemplateSchema, templateExample } from "../capsule-snapshots.js";
import { UserSchema, userJson } from "../accounts/views.js";
import { auditEntryJson, auditEntryShape } from "../audit-json.js";

const iso = (d: Date): string => d.toISOString();

export const NextCursor = z.string().nullable().meta({ description: "pass as `before` for the next page; null at the end" });

const teamExample = {
  id: exampleIds.team,
  name: "Research",
  is_byoc: false,
  created_at: "2025-01-01T12:00:00.000Z",
  member_count: 3,
  capsule_count: 2,
} as const;

export const AdminTeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    is_byoc: z.boolean().meta({ description: "the team may bring its own hosts" }),
    created_at: z.string(),
    member_count: z.number().int().meta({ description: "live users in the team" }),
    capsule_count: z.number().int().meta({ description: "capsules that are neither stopped nor in error" }),
  })
  .meta({ id: "AdminTeam", example: teamExample });

export function adminTeamJson(t: AdminTeamRow): z.infer<typeof AdminTeamSchema> {
  return { id: t.id, name: t.name, is_byoc: t.is_byoc, created_at: iso(t.created_at), member_count: t.member_count, capsule_count: t.capsule_count };
}

export const AdminTeamListSchema = z
  .object({ teams: z.array(AdminTeamSchema), next_cursor: NextCursor })
  .meta({ id: "AdminTeamList", example: { teams: [teamExample], next_cursor: exampleIds.team } });

const userExample = {
  id: exampleIds.user,
  email: "ada@example.com",
  name: "Ada Lovelace",
  status: "active",
  is_admin: false,
  created_at: "2025-01-01T12:00:00.000Z",
  team_count: 2,
} as const;

/** The public user JSON without the session detail, plus how many teams the user is in. */
export const AdminUserSchema = UserSchema.omit({ default_team_id: true })
  .extend({ team_count: z.number().int().meta({ description: "live teams the user belongs to" }) })
  .meta({ id: "AdminUser", example: userExample });

export function adminUserJson(u: AdminUserRow): z.infer<typeof AdminUserSchema> {
  const { default_team_id: _, ...user } = userJson(u);
  return { ...user, team_count: u.team_count };
}

export const AdminUserListSchema = z
  .object({ users: z.array(AdminUserSchema), next_cursor: NextCursor })
  .meta({ id: "AdminUserList", example: { users: [userExample], next_cursor: exampleIds.user } });

const auditExample = {
  id: exampleIds.audit,
  team_id: exampleIds.team,
  actor_type: "user",
  actor_id: exampleIds.user,
  action: "team.byoc_enabled",
  resource_type: "team",
  resource_id: exampleIds.team,
  metadata: {},
  created_at: "2025-01-01T12:00:00.000Z",
} as const;

/** The team audit log's entry, plus the team it belongs to (null = platform-level). */
export const AdminAuditEntrySchema = z
  .object({
    ...auditEntryShape,
    team_id: z.string().nullable().meta({ description: "the team the entry belongs to; null for platform-level entries (users, platform templates)" }),
  })
  .meta({ id: "AdminAuditLogEntry", example: auditExample });

export function adminAuditJson(e: AuditLog): z.infer<typeof AdminAuditEntrySchema> {
  return { ...auditEntryJson(e), team_id: e.team_id };
}

export const AdminAuditPageSchema = z
  .object({ items: z.array(AdminAuditEntrySchema), next_cursor: NextCursor })
  .meta({ id: "AdminAuditLogPage", example: { items: [auditExample], next_cursor: "1042" } });

/** The public capsule JSON plus the team it belongs to. */
export const AdminCapsuleSchema = CapsuleSchema.extend({ team_id: z.string() }).meta({ id: "AdminCapsule", example: { ...capsuleExample, team_id: exampleIds.team } });

export function adminCapsuleJson(row: Capsule): z.infer<typeof AdminCapsuleSchema> {
  return { ...capsuleJson(row), team_id: row.team_id };
}

export const AdminCapsuleListSchema = z
  .object({ capsules: z.array(AdminCapsuleSchema) })
  .meta({ id: "AdminCapsuleList", example: { capsules: [{ ...capsuleExample, team_id: exampleIds.team }] } });

const adminTemplateExample = { ...templateExample, type: "base", builtin: false } as const;

export const AdminTemplateSchema = TemplateSchema.extend({
  builtin: z.boolean().meta({ description: "true for the host agent's built-in images; false for platform templates built with /v1/admin/builds" }),
}).meta({ id: "AdminTemplate", example: adminTemplateExample });

export type AdminTemplateJson = z.infer<typeof AdminTemplateSchema>;

export const AdminTemplateListSchema = z
  .object({
    templates: z.array(AdminTemplateSchema),
    builtins_available: z.boolean().meta({ description: "false when the host agent could not be asked for its built-in templates (only platform templates are listed then)" }),
  })
  .meta({ id: "AdminTemplateList", example: { templates: [adminTemplateExample], builtins_available: true } });
