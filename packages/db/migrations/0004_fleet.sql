-- Fleet: registered host agents (registration token, host JWT refresh tokens, mTLS
-- certificates, heartbeat stats) and leases so that background workers run on one
-- control-plane replica at a time.
ALTER TABLE hosts ADD COLUMN registration_token_hash text;
ALTER TABLE hosts ADD COLUMN registration_expires_at timestamptz;
ALTER TABLE hosts ADD COLUMN refresh_token_hash text;
ALTER TABLE hosts ADD COLUMN refresh_expires_at timestamptz;
ALTER TABLE hosts ADD COLUMN cert_serial text;
ALTER TABLE hosts ADD COLUMN cert_expires_at timestamptz;
-- Latest heartbeat figures: {cpu_percent, memory_used_mb, disk_free_gb, capsules, ...}.
ALTER TABLE hosts ADD COLUMN stats jsonb NOT NULL DEFAULT '{}';
-- 'static' = the agent named by WRENN_AGENT_URL (wrenn up, simple split mode), reached
-- over plain HTTP on a trusted link; 'registered' = joined with a token, reached over mTLS.
ALTER TABLE hosts ADD COLUMN mode text NOT NULL DEFAULT 'static' CHECK (mode IN ('static', 'registered'));
ALTER TABLE hosts ADD COLUMN created_by text;
CREATE UNIQUE INDEX hosts_registration_token ON hosts (registration_token_hash) WHERE registration_token_hash IS NOT NULL;
CREATE UNIQUE INDEX hosts_refresh_token ON hosts (refresh_token_hash) WHERE refresh_token_hash IS NOT NULL;

CREATE TABLE worker_leases (
  name        text PRIMARY KEY,
  holder      text NOT NULL,
  expires_at  timestamptz NOT NULL,
  -- How many times the lease changed hands or was renewed: a cheap audit of who ran what.
  runs        bigint NOT NULL DEFAULT 0
);

-- Which control-plane replica runs a build, and when it last said so: a replica that dies
-- leaves its builds to be failed by the others once it has been silent for a while.
ALTER TABLE template_builds ADD COLUMN runner text;
ALTER TABLE template_builds ADD COLUMN runner_seen_at timestamptz;
