/** The API's JSON as the dashboard reads it (snake_case, as on the wire). */

export type Role = "owner" | "admin" | "member";

export interface User {
  id: string;
  email: string;
  name: string;
  status: string;
  is_admin: boolean;
  default_team_id: string | null;
  created_at: string;
}

export interface Team {
  id: string;
  name: string;
  is_byoc: boolean;
  role: Role;
  created_at: string;
}

export interface Session {
  token: string;
  expires_at: string;
  user: User;
  team: Team;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  joined_at: string;
}

export interface Capsule {
  id: string;
  status: string;
  template: string;
  vcpus: number;
  memory_mb: number;
  timeout_sec: number;
  created_at: string;
  started_at: string | null;
  last_active_at: string | null;
  host_id: string | null;
  metadata: Record<string, string>;
  envd_version: string;
  error?: string;
}

export interface MetricPoint {
  ts: string;
  cpu_pct: number;
  mem_bytes: number;
  disk_bytes: number;
}

export interface Template {
  name: string;
  /** "base" for built-in images, "snapshot" for the team's own. */
  type: "base" | "snapshot" | string;
  base_template: string;
  vcpus: number | null;
  memory_mb: number | null;
  size_bytes: number;
  created_at: string | null;
}

export interface FileEntry {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink" | string;
  size: number;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modified_at: string | null;
  symlink_target?: string;
}

export interface ProcessInfo {
  pid: number;
  tag: string | null;
  cmd: string;
  args: string[];
  cwd: string;
  pty: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  key_prefix: string;
  created_by: { id: string; email: string | null } | null;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  key_prefix: string;
  created_at: string;
}

export interface AuditEntry {
  id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface TeamTotals {
  running: number;
  vcpus: number;
  memory_mb: number;
}

export interface TeamStats {
  range: string;
  current: TeamTotals;
  points: (TeamTotals & { ts: string })[];
}

export interface DailyUsage {
  day: string;
  cpu_minutes: number;
  ram_mb_minutes: number;
}

export type HostType = "regular" | "byoc";
export type HostStatus = "pending" | "online" | "unreachable" | "draining";

export interface HostStats {
  cpu_percent?: number;
  memory_used_mb?: number;
  disk_free_gb?: number;
  capsules?: number;
}

export interface Host {
  /** host-… */
  id: string;
  type: HostType;
  /** The owning team of a BYOC host; null for the platform's own (regular) hosts. */
  team_id: string | null;
  address: string;
  status: HostStatus;
  /** static: configured by the operator; registered: joined with a registration token. */
  mode: "static" | "registered";
  arch: string;
  cpu_cores: number;
  memory_mb: number;
  disk_gb: number;
  tags: string[];
  last_heartbeat_at: string | null;
  created_at: string;
  stats: HostStats;
  capsule_count: number;
}

/** POST /v1/hosts and POST /v1/hosts/{id}/token: the token is shown once and valid for an hour. */
export interface HostRegistration {
  host: Host;
  registration_token: string;
}

export interface AdminTeam {
  id: string;
  name: string;
  is_byoc: boolean;
  created_at: string;
  member_count: number;
  capsule_count: number;
}

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  status: "pending" | "active" | "disabled";
  is_admin: boolean;
  created_at: string;
  team_count: number;
}

export interface Build {
  id: string;
  name: string;
  base_template: string;
  recipe: string[];
  healthcheck: string | null;
  vcpus: number;
  memory_mb: number;
  status: "pending" | "running" | "success" | "failed" | "cancelled" | string;
  /** 1-based step running or last run; recipe length + 1 is the healthcheck. */
  current_step: number;
  error: string | null;
  template: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
