-- Notification channels and the event outbox. An event and its deliveries are written in
-- one statement at the point the event happens; workers on any control-plane replica claim
-- due deliveries (FOR UPDATE SKIP LOCKED plus a lease), so a restart loses no event and two
-- replicas never send the same delivery.

-- scope 'team': receives the owning team's events; 'platform' (platform admins only):
-- receives events that belong to no team (platform hosts).
CREATE TABLE channels (
  id               text PRIMARY KEY,
  team_id          text NOT NULL REFERENCES teams (id),
  scope            text NOT NULL DEFAULT 'team' CHECK (scope IN ('team', 'platform')),
  name             text NOT NULL,
  provider         text NOT NULL CHECK (provider IN ('webhook', 'slack', 'discord', 'teams', 'google_chat', 'telegram', 'matrix')),
  -- AES-256-GCM of the provider configuration (URLs, tokens, the webhook signing secret).
  config_encrypted text NOT NULL,
  -- Subscribed event types, a JSON array of strings.
  events           jsonb NOT NULL DEFAULT '[]',
  enabled          boolean NOT NULL DEFAULT true,
  created_by       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_team ON channels (team_id, created_at);
CREATE INDEX channels_platform ON channels (scope) WHERE scope = 'platform';

CREATE TABLE events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type         text NOT NULL,
  team_id      text,
  resource_id  text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created ON events (created_at);

-- One row per (event, channel). status: pending (due at next_attempt_at), sending (claimed
-- by the worker holding claim_token until next_attempt_at, when the lease runs out and
-- another worker may take it), delivered, failed (retries exhausted or channel disabled).
CREATE TABLE event_deliveries (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id          uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  channel_id        text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  claim_token       text,
  last_attempt_at   timestamptz,
  last_status_code  integer,
  last_error        text,
  delivered_at      timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX event_deliveries_channel ON event_deliveries (channel_id, created_at DESC);
CREATE INDEX event_deliveries_event ON event_deliveries (event_id);
