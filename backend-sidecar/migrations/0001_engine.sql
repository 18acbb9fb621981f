-- Workflow engine: definitions, scheduled slots, executions with their steps and attempts.

CREATE TABLE workflows (
  id               text PRIMARY KEY,
  name             text NOT NULL,
  description      text,
  source           text NOT NULL CHECK (source IN ('file', 'api')),
  source_file      text,
  definition       jsonb NOT NULL,
  labels           jsonb NOT NULL DEFAULT '{}'::jsonb,
  critical         boolean NOT NULL DEFAULT false,
  enabled          boolean NOT NULL DEFAULT true,
  mode             text NOT NULL CHECK (mode IN ('scheduled', 'push')),
  every_ms         integer CHECK (every_ms IS NULL OR every_ms >= 1000),
  cron             text,
  cron_timezone    text,
  push_expected_ms integer,
  push_grace_ms    integer,
  -- The next slot not yet planned into scheduled_runs (for push workflows: when a report is overdue).
  next_slot_at     timestamptz,
  last_push_at     timestamptz,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
-- The planner's only query path: which workflows need slots planned.
CREATE INDEX workflows_next_slot_idx ON workflows (next_slot_at) WHERE deleted_at IS NULL AND enabled;
CREATE INDEX workflows_labels_idx ON workflows USING gin (labels);

-- One row per planned slot. Claimed with FOR UPDATE SKIP LOCKED; a lease (locked_until) lets
-- another worker reclaim a run whose worker died.
CREATE TABLE scheduled_runs (
  id           bigserial PRIMARY KEY,
  workflow_id  text NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  slot_at      timestamptz NOT NULL,
  kind         text NOT NULL DEFAULT 'scheduled' CHECK (kind IN ('scheduled', 'manual')),
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'missed', 'cancelled')),
  claims       integer NOT NULL DEFAULT 0,
  locked_by    text,
  locked_until timestamptz,
  claimed_at   timestamptz,
  finished_at  timestamptz,
  execution_id bigint,
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- A scheduled slot exists once, however many planners race to create it.
CREATE UNIQUE INDEX scheduled_runs_slot_uniq ON scheduled_runs (workflow_id, slot_at) WHERE kind = 'scheduled';
CREATE INDEX scheduled_runs_pending_idx ON scheduled_runs (slot_at) WHERE state = 'pending';
CREATE INDEX scheduled_runs_lease_idx ON scheduled_runs (locked_until) WHERE state = 'running';
CREATE INDEX scheduled_runs_finished_idx ON scheduled_runs (finished_at) WHERE state IN ('done', 'missed', 'cancelled');

CREATE TABLE executions (
  id            bigserial PRIMARY KEY,
  workflow_id   text NOT NULL,
  -- One recorded result per slot: a worker that lost its lease and finishes late cannot add a second.
  run_id        bigint UNIQUE,
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'push', 'missed')),
  status        text NOT NULL CHECK (status IN ('success', 'degraded', 'failed')),
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  step_count    integer NOT NULL DEFAULT 0,
  attempts      integer NOT NULL DEFAULT 0,
  retries       integer NOT NULL DEFAULT 0,
  error_type    text,
  error_message text,
  failed_step   text,
  worker_id     text,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_workflow_started_idx ON executions (workflow_id, started_at DESC);
CREATE INDEX executions_started_idx ON executions (started_at);

CREATE TABLE execution_steps (
  execution_id  bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  position      integer NOT NULL,
  name          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('passed', 'failed', 'skipped')),
  started_at    timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  http_status   integer,
  error_type    text,
  error_message text,
  assertions    jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Names of the variables extracted; values may be credentials and are never stored.
  extracted     jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (execution_id, position)
);

CREATE TABLE step_attempts (
  execution_id  bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  step_position integer NOT NULL,
  number        integer NOT NULL,
  started_at    timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  delay_ms      integer NOT NULL DEFAULT 0,
  http_status   integer,
  error_type    text,
  error_message text,
  PRIMARY KEY (execution_id, step_position, number)
);
