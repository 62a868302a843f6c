-- Wrenn schema, version 1. PostgreSQL 15 subset: runs unchanged on PGlite and PostgreSQL.
-- Ids are text (`prefix-` + 25 base36); times are timestamptz; free-form maps are jsonb.

CREATE TABLE teams (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  is_byoc     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);

CREATE TABLE users (
  id              text PRIMARY KEY,
  email           text NOT NULL,
  name            text NOT NULL DEFAULT '',
  password_hash   text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'disabled')),
  is_admin        boolean NOT NULL DEFAULT false,
  default_team_id text REFERENCES teams (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
-- One live account per address; soft-deleted rows free the address.
CREATE UNIQUE INDEX users_email_live ON users (lower(email)) WHERE deleted_at IS NULL;

CREATE TABLE users_teams (
  user_id    text NOT NULL REFERENCES users (id),
  team_id    text NOT NULL REFERENCES teams (id),
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, team_id)
);
CREATE INDEX users_teams_team ON users_teams (team_id);

CREATE TABLE team_api_keys (
  id           text PRIMARY KEY,
  team_id      text NOT NULL REFERENCES teams (id),
  name         text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  key_prefix   text NOT NULL,
  created_by   text REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX team_api_keys_team ON team_api_keys (team_id);

-- Single-use secrets (account activation, password reset, host registration): stored hashed.
CREATE TABLE one_time_tokens (
  token_hash text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('activation', 'password_reset', 'host_registration')),
  user_id    text REFERENCES users (id),
  host_id    text,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every message the control plane sends; without SMTP the row is the delivery.
CREATE TABLE email_outbox (
  id         bigserial PRIMARY KEY,
  to_address text NOT NULL,
  subject    text NOT NULL,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  error      text
);

CREATE TABLE hosts (
  id                text PRIMARY KEY,
  type              text NOT NULL DEFAULT 'regular' CHECK (type IN ('regular', 'byoc')),
  team_id           text REFERENCES teams (id),
  address           text NOT NULL DEFAULT '',
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'online', 'unreachable', 'draining')),
  arch              text NOT NULL DEFAULT '',
  cpu_cores         integer NOT NULL DEFAULT 0,
  memory_mb         integer NOT NULL DEFAULT 0,
  disk_gb           integer NOT NULL DEFAULT 0,
  tags              jsonb NOT NULL DEFAULT '[]',
  last_heartbeat_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz
);

-- Built-in templates have team_id NULL; snapshot templates belong to a team and live on
-- the host that took them, under `agent_name` (globally unique on that host).
CREATE TABLE templates (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  team_id       text REFERENCES teams (id),
  kind          text NOT NULL CHECK (kind IN ('image', 'snapshot')),
  agent_name    text NOT NULL,
  base_template text NOT NULL DEFAULT '',
  vcpus         integer NOT NULL DEFAULT 1,
  memory_mb     integer NOT NULL DEFAULT 512,
  size_bytes    bigint NOT NULL DEFAULT 0,
  host_id       text REFERENCES hosts (id),
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX templates_team_name ON templates (team_id, name) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX templates_platform_name ON templates (name) WHERE team_id IS NULL;

CREATE TABLE capsules (
  id              text PRIMARY KEY,
  team_id         text NOT NULL REFERENCES teams (id),
  host_id         text REFERENCES hosts (id),
  template        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'running', 'paused', 'stopped', 'error', 'missing')),
  vcpus           integer NOT NULL,
  memory_mb       integer NOT NULL,
  disk_mb         integer NOT NULL DEFAULT 0,
  timeout_sec     integer NOT NULL DEFAULT 0,
  metadata        jsonb NOT NULL DEFAULT '{}',
  network         jsonb NOT NULL DEFAULT '{}',
  -- Host-based port access: true = anyone with the URL, false = needs auth.
  public_ports    boolean NOT NULL DEFAULT true,
  envd_version    text NOT NULL DEFAULT '',
  error           text,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  last_active_at  timestamptz,
  paused_at       timestamptz,
  stopped_at      timestamptz
);
CREATE INDEX capsules_team_status ON capsules (team_id, status);
CREATE INDEX capsules_host_status ON capsules (host_id, status);

CREATE TABLE capsule_metric_points (
  capsule_id text NOT NULL,
  ts         timestamptz NOT NULL,
  cpu_pct    double precision NOT NULL,
  mem_bytes  bigint NOT NULL,
  disk_bytes bigint NOT NULL,
  PRIMARY KEY (capsule_id, ts)
);

CREATE TABLE team_metric_snapshots (
  team_id   text NOT NULL,
  ts        timestamptz NOT NULL,
  running   integer NOT NULL,
  vcpus     integer NOT NULL,
  memory_mb bigint NOT NULL,
  PRIMARY KEY (team_id, ts)
);

CREATE TABLE daily_usage (
  team_id        text NOT NULL,
  day            date NOT NULL,
  cpu_minutes    double precision NOT NULL DEFAULT 0,
  ram_mb_minutes double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (team_id, day)
);

CREATE TABLE audit_logs (
  seq           bigserial PRIMARY KEY,
  id            text NOT NULL UNIQUE,
  team_id       text,
  actor_type    text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'host')),
  actor_id      text,
  action        text NOT NULL,
  resource_type text NOT NULL,
  resource_id   text,
  metadata      jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_team_seq ON audit_logs (team_id, seq DESC);
