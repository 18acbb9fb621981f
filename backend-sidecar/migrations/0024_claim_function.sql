-- The claim of due runs moves into a function so that it can carry its own planner settings.
-- It must walk scheduled_runs_pending_idx (and _lease_idx) in order and stop after `max_runs`
-- rows. With stale statistics — right after a burst of runs was inserted (a backlog after an
-- outage, many "run now"s), before autovacuum has analyzed the table — the planner chose a bitmap
-- scan of every due row plus a sort instead: 3.5 ms instead of 0.5 ms per claim with 10,000 due
-- runs, and growing with the backlog, exactly when the workers most need to keep up. Turning off
-- bitmap and sequential scans inside this function leaves the ordered index scans as the plan.
-- The statement itself is unchanged from src/scheduler/claimDueRuns.ts before this migration.
CREATE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int)
RETURNS TABLE (runs json, next_at timestamptz)
LANGUAGE sql VOLATILE
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
WITH pending AS (
  SELECT id FROM scheduled_runs
   WHERE state = 'pending' AND slot_at <= now()
   ORDER BY slot_at LIMIT max_runs FOR UPDATE SKIP LOCKED
), expired AS (
  SELECT id FROM scheduled_runs
   WHERE state = 'running' AND locked_until < now()
   ORDER BY locked_until LIMIT max_runs FOR UPDATE SKIP LOCKED
), picked AS (
  (SELECT id FROM pending UNION ALL SELECT id FROM expired) LIMIT max_runs
), claimed AS (
  UPDATE scheduled_runs r
     SET state = 'running', claims = r.claims + 1, locked_by = worker, claimed_at = now(),
         locked_until = now() + make_interval(secs => greatest(lease_ms, w.timeout_ms * 3 / 2 + 1000) / 1000.0)
    FROM picked, workflows w
   WHERE r.id = picked.id AND w.id = r.workflow_id
  RETURNING r.id, r.workflow_id, r.slot_at, r.kind, r.claims, r.claimed_at, w.definition, w.version
)
-- The claimed runs and, in the same round trip, when this worker next has something to do (the
-- earliest remaining pending slot or running lease), so it can sleep exactly that long.
SELECT coalesce((SELECT json_agg(claimed) FROM claimed), '[]'::json),
       least((SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running'))
$$;
