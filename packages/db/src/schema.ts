/**
 * Kysely table types for migrations/*.sql. Keep them in step with the SQL: a column added
 * there is added here in the same commit.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** timestamptz: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigint comes back as a string from both drivers. */
type Int8 = ColumnType<string, number | bigint | string, number | bigint | string>;
/** bigserial: generated on insert, read as a string. */
type Serial8 = ColumnType<string, number | bigint | string | undefined, number | bigint | string>;

export type TeamRole = "owner" | "admin" | "member";
export type UserStatus = "pending" | "active" | "disabled";
export type CapsuleStatus = "pending" | "running" | "paused" | "stopped" | "error" | "missing";
export type HostStatus = "pending" | "online" | "unreachable" | "draining";
export type TokenKind = "activation" | "password_reset" | "host_registration";
export type ActorType = "user" | "api_key" | "system" | "host";

export interface TeamsTable {
  id: string;
  name: string;
  is_byoc: Generated<boolean>;
  created_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: Generated<string>;
  password_hash: string;
  status: Generated<UserStatus>;
  is_admin: Generated<boolean>;
  default_team_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
  /** JWTs issued before this are refused (migration 0002). */
  password_changed_at: DefaultTimestamp;
}

export interface UsersTeamsTable {
  user_id: string;
  team_id: string;
  role: TeamRole;
  created_at: DefaultTimestamp;
}

export interface TeamApiKeysTable {
  id: string;
  team_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_by: string | null;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface OneTimeTokensTable {
  token_hash: string;
  kind: TokenKind;
  user_id: string | null;
  host_id: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export interface EmailOutboxTable {
  id: Serial8;
  to_address: string;
  subject: string;
  body: string;
  created_at: DefaultTimestamp;
  sent_at: Timestamp | null;
  error: string | null;
}

export interface HostsTable {
  id: string;
  type: Generated<"regular" | "byoc">;
  team_id: string | null;
  address: Generated<string>;
  status: Generated<HostStatus>;
  arch: Generated<string>;
  cpu_cores: Generated<number>;
  memory_mb: Generated<number>;
  disk_gb: Generated<number>;
  tags: ColumnType<string[], string | undefined, string>;
  last_heartbeat_at: Timestamp | null;
  created_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
  /** Migration 0004 (fleet). */
  registration_token_hash: string | null;
  registration_expires_at: Timestamp | null;
  refresh_token_hash: string | null;
  refresh_expires_at: Timestamp | null;
  cert_serial: string | null;
  cert_expires_at: Timestamp | null;
  stats: ColumnType<Record<string, unknown>, string | undefined, string>;
  mode: Generated<"static" | "registered">;
  created_by: string | null;
}

export interface WorkerLeasesTable {
  name: string;
  holder: string;
  expires_at: Timestamp;
  runs: Generated<string>;
}

export interface TemplatesTable {
  id: string;
  name: string;
  team_id: string | null;
  kind: "image" | "snapshot";
  agent_name: string;
  base_template: Generated<string>;
  vcpus: Generated<number>;
  memory_mb: Generated<number>;
  size_bytes: ColumnType<string, number | string | undefined, number | string>;
  host_id: string | null;
  created_by: string | null;
  created_at: DefaultTimestamp;
}

export interface CapsulesTable {
  id: string;
  team_id: string;
  host_id: string | null;
  template: string;
  status: CapsuleStatus;
  vcpus: number;
  memory_mb: number;
  disk_mb: Generated<number>;
  timeout_sec: Generated<number>;
  metadata: ColumnType<Record<string, string>, string | undefined, string>;
  network: ColumnType<Record<string, unknown>, string | undefined, string>;
  public_ports: Generated<boolean>;
  envd_version: Generated<string>;
  error: string | null;
  created_by: string | null;
  created_at: DefaultTimestamp;
  started_at: Timestamp | null;
  last_active_at: Timestamp | null;
  paused_at: Timestamp | null;
  stopped_at: Timestamp | null;
}

export interface CapsuleMetricPointsTable {
  capsule_id: string;
  ts: Timestamp;
  cpu_pct: number;
  mem_bytes: Int8;
  disk_bytes: Int8;
}

export interface TeamMetricSnapshotsTable {
  team_id: string;
  ts: Timestamp;
  running: number;
  vcpus: number;
  memory_mb: Int8;
}

export interface DailyUsageTable {
  team_id: string;
  /** `date` columns are read as 'YYYY-MM-DD' strings on both back ends (parsers set in open.ts). */
  day: string;
  cpu_minutes: Generated<number>;
  ram_mb_minutes: Generated<number>;
}

export interface AuditLogsTable {
  seq: Serial8;
  id: string;
  team_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: DefaultTimestamp;
}

export type BuildStatus = "pending" | "running" | "success" | "failed" | "cancelled";

/** One recipe step as stored: the instruction, its arguments and a RUN timeout (0 = default). */
export interface BuildStepRow {
  instruction: string;
  args: string;
  timeout_sec: number;
}

export interface BuildHealthcheckRow {
  cmd: string;
  interval_sec: number;
  timeout_sec: number;
  start_period_sec: number;
  retries: number;
}

/** Migration 0003. */
export interface TemplateBuildsTable {
  id: string;
  team_id: string | null;
  name: string;
  base_template: string;
  recipe: ColumnType<BuildStepRow[], string, string>;
  healthcheck: ColumnType<BuildHealthcheckRow | null, string | null, string | null>;
  vcpus: number;
  memory_mb: number;
  archive: Uint8Array | null;
  archive_format: Generated<string>;
  status: Generated<BuildStatus>;
  current_step: Generated<number>;
  error: string | null;
  logs: Generated<string>;
  created_by: string | null;
  created_at: DefaultTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  template_id: string | null;
  /** Migration 0004: the replica running it and when it last said so. */
  runner: string | null;
  runner_seen_at: Timestamp | null;
}

export interface Database {
  teams: TeamsTable;
  users: UsersTable;
  users_teams: UsersTeamsTable;
  team_api_keys: TeamApiKeysTable;
  one_time_tokens: OneTimeTokensTable;
  email_outbox: EmailOutboxTable;
  hosts: HostsTable;
  templates: TemplatesTable;
  capsules: CapsulesTable;
  capsule_metric_points: CapsuleMetricPointsTable;
  team_metric_snapshots: TeamMetricSnapshotsTable;
  daily_usage: DailyUsageTable;
  audit_logs: AuditLogsTable;
  template_builds: TemplateBuildsTable;
  worker_leases: WorkerLeasesTable;
  channels: ChannelsTable;
  events: EventsTable;
  event_deliveries: EventDeliveriesTable;
}

export type Team = Selectable<TeamsTable>;
export type User = Selectable<UsersTable>;
export type Membership = Selectable<UsersTeamsTable>;
export type ApiKey = Selectable<TeamApiKeysTable>;
export type Host = Selectable<HostsTable>;
export type Template = Selectable<TemplatesTable>;
export type Capsule = Selectable<CapsulesTable>;
export type NewCapsule = Insertable<CapsulesTable>;
export type CapsuleUpdate = Updateable<CapsulesTable>;
export type AuditLog = Selectable<AuditLogsTable>;
export type TemplateBuild = Selectable<TemplateBuildsTable>;

export type ChannelProvider = "webhook" | "slack" | "discord" | "teams" | "google_chat" | "telegram" | "matrix";
export type ChannelScope = "team" | "platform";
export type DeliveryStatus = "pending" | "sending" | "delivered" | "failed";

/** Migration 0005: notification channels. */
export interface ChannelsTable {
  id: string;
  team_id: string;
  scope: Generated<ChannelScope>;
  name: string;
  provider: ChannelProvider;
  /** AES-256-GCM ciphertext of the provider configuration; never plaintext. */
  config_encrypted: string;
  /** Subscribed event types (jsonb array). */
  events: ColumnType<string[], string, string>;
  enabled: Generated<boolean>;
  created_by: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

/** Migration 0005: the event outbox. */
export interface EventsTable {
  id: Generated<string>;
  type: string;
  team_id: string | null;
  resource_id: string;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: DefaultTimestamp;
}

/** Migration 0005: one row per (event, channel). */
export interface EventDeliveriesTable {
  id: Generated<string>;
  event_id: string;
  channel_id: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  /** When pending: due time; when sending: the claim's lease expiry. */
  next_attempt_at: DefaultTimestamp;
  claim_token: string | null;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export type Channel = Selectable<ChannelsTable>;
export type ChannelEvent = Selectable<EventsTable>;
export type EventDelivery = Selectable<EventDeliveriesTable>;
