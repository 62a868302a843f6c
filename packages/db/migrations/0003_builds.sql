-- Recipe builds of templates, queued here so a queue survives a control-plane restart.
-- team_id NULL = a platform template (built by a platform admin).
CREATE TABLE template_builds (
  id             text PRIMARY KEY,
  team_id        text REFERENCES teams (id),
  name           text NOT NULL,
  base_template  text NOT NULL,
  recipe         jsonb NOT NULL DEFAULT '[]',
  healthcheck    jsonb,
  vcpus          integer NOT NULL DEFAULT 1,
  memory_mb      integer NOT NULL DEFAULT 512,
  archive        bytea,
  archive_format text NOT NULL DEFAULT '',
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'success', 'failed', 'cancelled')),
  current_step   integer NOT NULL DEFAULT 0,
  error          text,
  logs           text NOT NULL DEFAULT '',
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  template_id    text
);
CREATE INDEX template_builds_team ON template_builds (team_id, created_at DESC);
CREATE INDEX template_builds_pending ON template_builds (created_at) WHERE status = 'pending';
