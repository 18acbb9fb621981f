-- Nothing secret stored: what earlier versions kept of responses is scrubbed to what is kept now.
--   * A passed assertion keeps no response value (`body.token exists` stored the token, `body exists`
--     the whole body): its `actual` is removed.
--   * `exists` / `not exists` never keep the value, passed or failed: `actual` removed, and a failed
--     `not exists` message ("... not to exist, got "s3cr3t"") says "got a value" instead.
--   * A failed assertion keeps at most 200 characters of `actual`: a longer string is cut to 199
--     characters and "…"; any other longer value becomes its JSON text, cut the same way.
-- The message fix also reaches the copies of those messages: executions, alerts, alert events and
-- queued notifications. One statement per table, each touching only the rows it changes, so running
-- this again changes nothing. The helpers are dropped at the end.
--
-- Also: the claim returns each workflow's `source`, because only a definition from a file may
-- resolve `${NAME}` from the sidecar's environment (src/workflows/requestEnv.ts). The statement is
-- otherwise unchanged from 0024.

CREATE OR REPLACE FUNCTION wm_scrub_presence_message(message text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  -- An old value after "got " is JSON: a string (possibly cut before its closing quote), or a
  -- number, true/false/null, an object or a list — those run to the end of the message or to the
  -- suffix the alert engine adds. Today's messages say "got a string" etc., which never match.
  SELECT regexp_replace(
           regexp_replace(
             regexp_replace(message, ' not to exist, got "(?:[^"\\]|\\.)*"?', ' not to exist, got a value', 'g'),
             ' not to exist, got [-0-9tfn{\[].*(\); fires at \d+| \(silenced by silence #\d+\))$', ' not to exist, got a value\1'),
           ' not to exist, got [-0-9tfn{\[].*$', ' not to exist, got a value')
$$;

CREATE OR REPLACE FUNCTION wm_scrub_assertion(a jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  actual jsonb := a -> 'actual';
BEGIN
  IF jsonb_typeof(a) IS DISTINCT FROM 'object' THEN
    RETURN a;
  END IF;
  IF actual IS NOT NULL THEN
    IF a -> 'passed' = 'true'::jsonb OR (a ->> 'assertion') ~ '\sexists\s*$' THEN
      a := a - 'actual';
    ELSIF jsonb_typeof(actual) = 'string' AND length(a ->> 'actual') > 200 THEN
      a := jsonb_set(a, '{actual}', to_jsonb(left(a ->> 'actual', 199) || '…'));
    ELSIF jsonb_typeof(actual) <> 'string' AND length(actual::text) > 200 THEN
      a := jsonb_set(a, '{actual}', to_jsonb(left(actual::text, 199) || '…'));
    END IF;
  END IF;
  IF jsonb_typeof(a -> 'message') = 'string' THEN
    a := jsonb_set(a, '{message}', to_jsonb(wm_scrub_presence_message(a ->> 'message')));
  END IF;
  RETURN a;
END
$$;

UPDATE execution_steps s
   SET assertions = x.assertions, error_message = x.error_message
  FROM (
    SELECT t.execution_id, t.position,
           (SELECT coalesce(jsonb_agg(wm_scrub_assertion(e.a) ORDER BY e.n), '[]'::jsonb)
              FROM jsonb_array_elements(t.assertions) WITH ORDINALITY AS e(a, n)) AS assertions,
           wm_scrub_presence_message(t.error_message) AS error_message
      FROM execution_steps t
     WHERE jsonb_typeof(t.assertions) = 'array'
       AND (t.assertions @? '$[*].actual' OR t.assertions::text LIKE '% not to exist, got %' OR t.error_message LIKE '% not to exist, got %')
  ) x
 WHERE s.execution_id = x.execution_id AND s.position = x.position
   AND (s.assertions IS DISTINCT FROM x.assertions OR s.error_message IS DISTINCT FROM x.error_message);

UPDATE executions
   SET error_message = wm_scrub_presence_message(error_message)
 WHERE error_message LIKE '% not to exist, got %'
   AND error_message IS DISTINCT FROM wm_scrub_presence_message(error_message);

UPDATE alerts
   SET message = wm_scrub_presence_message(message)
 WHERE message LIKE '% not to exist, got %'
   AND message IS DISTINCT FROM wm_scrub_presence_message(message);

UPDATE alert_events
   SET comment = wm_scrub_presence_message(comment)
 WHERE comment LIKE '% not to exist, got %'
   AND comment IS DISTINCT FROM wm_scrub_presence_message(comment);

UPDATE notifications
   SET payload = jsonb_set(payload, '{alert,message}', to_jsonb(wm_scrub_presence_message(payload #>> '{alert,message}')))
 WHERE payload #>> '{alert,message}' LIKE '% not to exist, got %'
   AND payload #>> '{alert,message}' IS DISTINCT FROM wm_scrub_presence_message(payload #>> '{alert,message}');

DROP FUNCTION wm_scrub_assertion(jsonb);
DROP FUNCTION wm_scrub_presence_message(text);

CREATE OR REPLACE FUNCTION wm_claim_due_runs(worker text, max_runs int, lease_ms int)
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
  RETURNING r.id, r.workflow_id, r.slot_at, r.kind, r.claims, r.claimed_at, w.definition, w.version, w.source
)
-- The claimed runs and, in the same round trip, when this worker next has something to do (the
-- earliest remaining pending slot or running lease), so it can sleep exactly that long.
SELECT coalesce((SELECT json_agg(claimed) FROM claimed), '[]'::json),
       least((SELECT min(slot_at) FROM scheduled_runs WHERE state = 'pending' AND id NOT IN (SELECT id FROM claimed)),
             (SELECT min(locked_until) FROM scheduled_runs WHERE state = 'running'))
$$;
