-- The claim may look a little ahead: pending slots due within `ahead_ms` are claimed now and the
-- replica starts each at its exact time on a local timer (scheduler.ts), so the database round trip
-- of the claim is no longer part of how late a run starts. Otherwise as in 0032 (whose comment and
-- 0025's explain the planner settings). The 4-argument form, which replicas of older versions call, now
-- delegates to it (below).
CREATE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int, here text, ahead_ms int)
RETURNS TABLE (runs json, next_at timestamptz)
LANGUAGE sql VOLATILE
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $$
WITH horizon AS (
  SELECT now() + make_interval(secs => greatest(ahead_ms, 0) / 1000.0) AS until
), pending_any AS (
  SELECT id, slot_at FROM scheduled_runs
   WHERE state = 'pending' AND location IS NULL AND slot_at <= (SELECT until FROM horizon)
   ORDER BY slot_at LIMIT max_runs FOR UPDATE SKIP LOCKED
), pending_here AS (
  SELECT id, slot_at FROM scheduled_runs
   WHERE state = 'pending' AND location = here AND slot_at <= (SELECT until FROM horizon)
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
         locked_until = greatest(now(), r.slot_at) + make_interval(secs => greatest(lease_ms, w.timeout_ms * 3 / 2 + 1000) / 1000.0)
    FROM picked, workflows w
   WHERE r.id = picked.id AND w.id = r.workflow_id
  RETURNING r.id, r.workflow_id, r.slot_at, r.kind, r.claims, r.claimed_at, r.location, w.definition, w.version, w.source
)
SELECT coalesce((SELECT json_agg(claimed) FROM claimed), '[]'::json),
       least((SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND location IS NULL AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND location = here AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running' AND location IS NULL),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running' AND location = here))
$$;

-- The 4-argument form (replicas of 0032's version, during a rolling upgrade) is the same claim
-- without looking ahead: one body to keep. For due rows slot_at <= now(), so the lease is as before.
CREATE OR REPLACE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int, here text)
RETURNS TABLE (runs json, next_at timestamptz)
LANGUAGE sql VOLATILE
AS $$
SELECT * FROM wm_claim_due_runs(worker, max_runs, lease_ms, here, 0)
$$;
