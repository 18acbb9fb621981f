-- Probe locations: a replica runs checks from one location (env LOCATION); a workflow may list the
-- locations it must be checked from, and each of its slots then runs once in each of them.

-- NULL: no list, each slot runs once by any replica (as before).
ALTER TABLE workflows ADD COLUMN locations text[];

-- A slot's location: NULL for "any replica", else only a replica of that location claims it.
-- A slot of a location with no live replica is recorded missed with the reason.
ALTER TABLE scheduled_runs ADD COLUMN location text, ADD COLUMN missed_reason text;

-- A scheduled slot exists once per location. NULLs are distinct in a unique index, hence coalesce.
DROP INDEX scheduled_runs_slot_uniq;
CREATE UNIQUE INDEX scheduled_runs_slot_uniq ON scheduled_runs (workflow_id, slot_at, coalesce(location, ''))
  WHERE kind = 'scheduled' AND state <> 'cancelled';

-- The claim walks the due slots of "any" and of its own location, each in slot order, and the
-- expired leases the same way: (location, time) replaces the single-column indexes, so a replica
-- never reads past another location's rows (a location without a replica piles up pending slots
-- until they are missed). The sweeps read these small partial indexes whole.
DROP INDEX scheduled_runs_pending_idx;
DROP INDEX scheduled_runs_lease_idx;
CREATE INDEX scheduled_runs_pending_location_idx ON scheduled_runs (location, slot_at) WHERE state = 'pending';
CREATE INDEX scheduled_runs_lease_location_idx ON scheduled_runs (location, locked_until) WHERE state = 'running';

-- Replicas register themselves: a heartbeat row each, refreshed on a timer. A row not seen within
-- the expiry (REPLICA_HEARTBEAT_EXPIRY) is a replica that is gone.
CREATE TABLE replicas (
  id           text PRIMARY KEY,
  location     text NOT NULL,
  version      text NOT NULL,
  started_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- False for a replica started with SCHEDULER=false: it serves the API but runs no slots, so it
  -- does not keep its location from being reported empty.
  scheduling   boolean NOT NULL DEFAULT true
);
CREATE INDEX replicas_location_seen_idx ON replicas (location, last_seen_at);

-- Where an execution ran. Every execution before this migration ran on a replica without a
-- location, i.e. in `default`; a constant default adds the column without rewriting the table.
ALTER TABLE executions ADD COLUMN location text NOT NULL DEFAULT 'default';
-- Rules judge each location on its own executions (quorum), and the executions list filters by it.
CREATE INDEX executions_workflow_location_started_idx ON executions (workflow_id, location, started_at DESC);

-- The claim with a location: due slots of "any" and of `here`, expired leases of either, in one
-- statement (otherwise as in 0025, whose comment explains the planner settings).
CREATE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int, here text)
RETURNS TABLE (runs json, next_at timestamptz)
LANGUAGE sql VOLATILE
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
WITH pending_any AS (
  SELECT id, slot_at FROM scheduled_runs
   WHERE state = 'pending' AND location IS NULL AND slot_at <= now()
   ORDER BY slot_at LIMIT max_runs FOR UPDATE SKIP LOCKED
), pending_here AS (
  SELECT id, slot_at FROM scheduled_runs
   WHERE state = 'pending' AND location = here AND slot_at <= now()
   ORDER BY slot_at LIMIT max_runs FOR UPDATE SKIP LOCKED
), expired_any AS (
  SELECT id, locked_until FROM scheduled_runs
   WHERE state = 'running' AND location IS NULL AND locked_until < now()
   ORDER BY locked_until LIMIT max_runs FOR UPDATE SKIP LOCKED
), expired_here AS (
  SELECT id, locked_until FROM scheduled_runs
   WHERE state = 'running' AND location = here AND locked_until < now()
   ORDER BY locked_until LIMIT max_runs FOR UPDATE SKIP LOCKED
), picked AS (
  SELECT id FROM (
    (SELECT id, 0 AS k, slot_at AS at FROM pending_any UNION ALL SELECT id, 0, slot_at FROM pending_here)
    UNION ALL
    (SELECT id, 1, locked_until FROM expired_any UNION ALL SELECT id, 1, locked_until FROM expired_here)
  ) due ORDER BY k, at LIMIT max_runs
), claimed AS (
  UPDATE scheduled_runs r
     SET state = 'running', claims = r.claims + 1, locked_by = worker, claimed_at = now(),
         locked_until = now() + make_interval(secs => greatest(lease_ms, w.timeout_ms * 3 / 2 + 1000) / 1000.0)
    FROM picked, workflows w
   WHERE r.id = picked.id AND w.id = r.workflow_id
  RETURNING r.id, r.workflow_id, r.slot_at, r.kind, r.claims, r.claimed_at, r.location, w.definition, w.version, w.source
)
-- When this worker next has something to do: the earliest remaining slot or lease IT may claim
-- (another location's overdue rows must not wake it in a loop).
SELECT coalesce((SELECT json_agg(claimed) FROM claimed), '[]'::json),
       least((SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND location IS NULL AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND location = here AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running' AND location IS NULL),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running' AND location = here))
$$;

-- A replica of an older version, during a rolling upgrade, claims only slots without a location.
CREATE OR REPLACE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int)
RETURNS TABLE (runs json, next_at timestamptz)
LANGUAGE sql VOLATILE
AS $$
SELECT * FROM wm_claim_due_runs(worker, max_runs, lease_ms, NULL::text)
$$;
