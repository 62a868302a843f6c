/**
 * The JSON shapes of accounts, teams and members on the wire, with the row → JSON mapping
 * beside each schema so the two cannot drift.
 */
import type { TeamMember, TeamWithRole, User } from "@wrenn/db";
import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../../auth/secrets.js";
import { exampleIds } from "../../http/schemas.js";

/** Longest password accepted: argon2 hashes any length, but unbounded input is free CPU for an attacker. */
export const MAX_PASSWORD_LENGTH = 256;

export const EmailField = z
  .string()
  .trim()
  .max(254, { error: "email must be at most 254 characters" })
  .pipe(z.email({ error: "email must be an e-mail address like ada@example.com" }))
  .meta({ example: "ada@example.com" });

export const PasswordField = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `password must be at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(MAX_PASSWORD_LENGTH, { error: `password must be at most ${MAX_PASSWORD_LENGTH} characters` })
  .meta({ example: "correct horse battery staple" });

export const PersonNameField = z.string().trim().max(100, { error: "name must be at most 100 characters" }).meta({ example: "Ada Lovelace" });

export const TeamNameField = z
  .string()
  .trim()
  .min(1, { error: "team name must not be empty" })
  .max(100, { error: "team name must be at most 100 characters" })
  .meta({ example: "Research" });

export const RoleField = z.enum(["owner", "admin", "member"]).meta({ example: "member" });

const iso = (d: Date): string => d.toISOString();

const userExample = {
  id: exampleIds.user,
  email: "ada@example.com",
  name: "Ada Lovelace",
  status: "active",
  is_admin: false,
  default_team_id: exampleIds.team,
  created_at: "2025-01-01T12:00:00.000Z",
} as const;

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(["pending", "active", "disabled"]),
    is_admin: z.boolean().meta({ description: "platform administrator" }),
    default_team_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "User", example: userExample });

export function userJson(user: User): z.infer<typeof UserSchema> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    status: user.status,
    is_admin: user.is_admin,
    default_team_id: user.default_team_id,
    created_at: iso(user.created_at),
  };
}

const teamExample = { id: exampleIds.team, name: "Research", is_byoc: false, role: "owner", created_at: "2025-01-01T12:00:00.000Z" } as const;

export const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    is_byoc: z.boolean(),
    role: RoleField.meta({ description: "your role in this team" }),
    created_at: z.string(),
  })
  .meta({ id: "Team", example: teamExample });

export function teamJson(team: TeamWithRole): z.infer<typeof TeamSchema> {
  return { id: team.id, name: team.name, is_byoc: team.is_byoc, role: team.role, created_at: iso(team.created_at) };
}

export const TeamListSchema = z.object({ items: z.array(TeamSchema) }).meta({ id: "TeamList", example: { items: [teamExample] } });

const memberExample = { user_id: exampleIds.user, email: "ada@example.com", name: "Ada Lovelace", role: "admin", joined_at: "2025-01-01T12:00:00.000Z" } as const;

export const MemberSchema = z
  .object({ user_id: z.string(), email: z.string(), name: z.string(), role: RoleField, joined_at: z.string() })
  .meta({ id: "TeamMember", example: memberExample });

export function memberJson(m: TeamMember): z.infer<typeof MemberSchema> {
  return { user_id: m.user_id, email: m.email, name: m.name, role: m.role, joined_at: iso(m.created_at) };
}

export const MemberListSchema = z.object({ items: z.array(MemberSchema) }).meta({ id: "TeamMemberList", example: { items: [memberExample] } });

export const SessionSchema = z
  .object({
    token: z.string().meta({ description: "JWT for `Authorization: Bearer`, valid 6 hours" }),
    expires_at: z.string(),
    user: UserSchema,
    team: TeamSchema,
  })
  .meta({ id: "Session", example: { token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.…", expires_at: "2025-01-01T18:00:00.000Z", user: userExample, team: teamExample } });

export type SessionJson = z.infer<typeof SessionSchema>;
