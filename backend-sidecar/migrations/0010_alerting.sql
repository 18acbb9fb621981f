-- Alerting: rules, escalation policies, channels, silences, alerts with their event history, and
-- the notification outbox. Everything the alert engine knows lives here, so it survives restarts
-- and is shared by every replica.

CREATE TABLE channels (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  type        text NOT NULL CHECK (type IN ('slack', 'discord', 'email', 'sms', 'webhook', 'alertmanager')),
  -- Non-secret settings, returned by the API.
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Write-only: webhook URLs, passwords, tokens, signing secrets. Never selected by a GET.
  secrets     jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled     boolean NOT NULL DEFAULT true,
  source      text NOT NULL CHECK (source IN ('file', 'api')),
  source_file text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE escalation_policies (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  -- [{afterMs, channels: [id]}] in order; tier 0 is usually afterMs 0.
  tiers       jsonb NOT NULL,
  reminder_ms integer,
  reminder_max integer,
  source      text NOT NULL CHECK (source IN ('file', 'api')),
  source_file text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_rules (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  description text,
  enabled     boolean NOT NULL DEFAULT true,
  severity    text NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  -- {workflowIds?, labels?, critical?}; empty = every workflow.
  scope       jsonb NOT NULL DEFAULT '{}'::jsonb,
  condition   jsonb NOT NULL,
  cooldown_ms integer NOT NULL DEFAULT 0,
  flapping    jsonb,
  policy_id   text REFERENCES escalation_policies (id) ON DELETE SET NULL,
  -- Channels notified at once when no policy is set.
  channels    jsonb NOT NULL DEFAULT '[]'::jsonb,
  predefined  boolean NOT NULL DEFAULT false,
  source      text NOT NULL CHECK (source IN ('file', 'api', 'builtin')),
  source_file text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE silences (
  id          bigserial PRIMARY KEY,
  -- {workflowIds?, labels?, severities?}
  matchers    jsonb NOT NULL DEFAULT '{}'::jsonb,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  -- Maintenance windows: a cron expression and how long each occurrence lasts, between starts_at and ends_at.
  cron        text,
  cron_timezone text,
  duration_ms integer,
  created_by  text NOT NULL,
  comment     text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  CHECK (ends_at > starts_at),
  CHECK ((cron IS NULL) = (duration_ms IS NULL))
);
CREATE INDEX silences_live_idx ON silences (ends_at) WHERE deleted_at IS NULL;

CREATE TABLE alerts (
  id              bigserial PRIMARY KEY,
  fingerprint     text NOT NULL,
  rule_id         text NOT NULL,
  workflow_id     text NOT NULL,
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
  state           text NOT NULL CHECK (state IN ('active', 'acknowledged', 'suppressed', 'resolved')),
  title           text NOT NULL,
  message         text NOT NULL,
  value           double precision,
  labels          jsonb NOT NULL DEFAULT '{}'::jsonb,
  count           integer NOT NULL DEFAULT 1,
  opened_at       timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  acknowledged_by text,
  acknowledged_at timestamptz,
  ack_expires_at  timestamptz,
  resolved_by     text,
  resolved_at     timestamptz,
  policy_id       text,
  -- Highest escalation tier notified so far (-1: none yet, e.g. opened while silenced).
  tier            integer NOT NULL DEFAULT -1,
  -- Tier delays count from here: the opening, or the end of the silence it opened under.
  escalation_from timestamptz,
  reminders       integer NOT NULL DEFAULT 0,
  -- When the engine must look at this alert again (next tier, reminder, acknowledgement expiry).
  next_action_at  timestamptz,
  flapping        boolean NOT NULL DEFAULT false
);
-- One open alert per (rule, workflow): repeats update it; two replicas racing insert one row.
CREATE UNIQUE INDEX alerts_open_fingerprint_uniq ON alerts (fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_fingerprint_idx ON alerts (fingerprint, opened_at DESC);
CREATE INDEX alerts_next_action_idx ON alerts (next_action_at) WHERE state <> 'resolved' AND next_action_at IS NOT NULL;
CREATE INDEX alerts_opened_idx ON alerts (opened_at DESC);
CREATE INDEX alerts_state_idx ON alerts (state, severity) WHERE state <> 'resolved';
CREATE INDEX alerts_workflow_idx ON alerts (workflow_id, opened_at DESC);

CREATE TABLE alert_events (
  id         bigserial PRIMARY KEY,
  alert_id   bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL DEFAULT now(),
  -- opened, acknowledged, unacknowledged, resolved, suppressed, unsuppressed, escalated,
  -- acknowledgement_expired, reminded, flapping
  type       text NOT NULL,
  from_state text,
  to_state   text,
  actor      text NOT NULL,
  comment    text
);
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, at);
CREATE INDEX alert_events_at_idx ON alert_events (at);

-- The outbox: a notification is a row before it is a request.
CREATE TABLE notifications (
  id              bigserial PRIMARY KEY,
  alert_id        bigint REFERENCES alerts (id) ON DELETE SET NULL,
  channel_id      text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('firing', 'escalation', 'reminder', 'resolved', 'acknowledgement_expired', 'flapping', 'test')),
  idempotency_key text NOT NULL UNIQUE,
  payload         jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_by       text,
  locked_until    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_lease_idx ON notifications (locked_until) WHERE state = 'delivering';
CREATE INDEX notifications_alert_idx ON notifications (alert_id);
CREATE INDEX notifications_undelivered_idx ON notifications (state) WHERE state <> 'delivered';

CREATE TABLE notification_attempts (
  notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  number          integer NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  duration_ms     integer NOT NULL,
  http_status     integer,
  error_type      text,
  error_message   text,
  PRIMARY KEY (notification_id, number)
);
