-- Scheduler details found while building it.

-- A cancelled slot (schedule edited, workflow deleted) must not block the same instant from being
-- planned again under the new schedule.
DROP INDEX scheduled_runs_slot_uniq;
CREATE UNIQUE INDEX scheduled_runs_slot_uniq ON scheduled_runs (workflow_id, slot_at)
  WHERE kind = 'scheduled' AND state <> 'cancelled';

-- After downtime, one 'missed' row stands for a whole run of skipped slots instead of thousands.
ALTER TABLE scheduled_runs ADD COLUMN missed_slots integer NOT NULL DEFAULT 1;

-- The lease must outlive the longest execution, so it is computed per workflow from its timeout.
ALTER TABLE workflows ADD COLUMN timeout_ms integer NOT NULL DEFAULT 30000;

-- "Is a newer slot of this workflow already due?" — the anti-burst rule after downtime.
CREATE INDEX scheduled_runs_workflow_pending_idx ON scheduled_runs (workflow_id, slot_at) WHERE state = 'pending';

-- Executions pages: newest first per workflow and status.
CREATE INDEX executions_workflow_status_started_idx ON executions (workflow_id, status, started_at DESC);
