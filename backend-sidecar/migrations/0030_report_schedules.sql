-- Scheduled SLA reports (issue 20): schedules from alerting/*.yaml `reports:` or the API, one claimed
-- row per (schedule, period) so a period's report is queued once however many replicas look, and the
-- outbox learns a `report` notification kind (no alert behind it).

CREATE TABLE report_schedules (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  -- What each report covers: the previous calendar week (Monday to Monday) or month, in `timezone`.
  period      text NOT NULL CHECK (period IN ('weekly', 'monthly')),
  -- When it is sent (five-field cron, read in `timezone`).
  cron        text NOT NULL,
  timezone    text NOT NULL DEFAULT 'UTC',
  -- {workflowIds?, labels?}; empty = every workflow.
  scope       jsonb NOT NULL DEFAULT '{}'::jsonb,
  format      text NOT NULL CHECK (format IN ('pdf', 'csv')),
  channels    jsonb NOT NULL DEFAULT '[]'::jsonb,
  source      text NOT NULL CHECK (source IN ('file', 'api')),
  source_file text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A period's report, claimed by the INSERT that creates this row (ON CONFLICT DO NOTHING): the
-- replica whose insert wins renders the report and queues its notifications in the same transaction.
CREATE TABLE report_runs (
  id            bigserial PRIMARY KEY,
  schedule_id   text NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  -- The cron instant it was sent for, and who sent it.
  due_at        timestamptz NOT NULL,
  worker_id     text,
  notifications integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (schedule_id, period_start)
);

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('firing', 'escalation', 'reminder', 'resolved', 'acknowledgement_expired', 'flapping', 'test', 'report'));

-- SLA reports count missed slots per workflow in a period: only 'missed' rows, by slot time.
CREATE INDEX scheduled_runs_missed_slot_idx ON scheduled_runs (slot_at) WHERE state = 'missed';
