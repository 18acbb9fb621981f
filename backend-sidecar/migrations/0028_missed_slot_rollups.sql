-- Slots the scheduler recorded as missed count against SLOs as bad events. They live in
-- scheduled_runs, which keeps finished rows only a day, and one 'missed' row stands for a whole run
-- of skipped slots (missed_slots). So they are summed per minute, hour and UTC day here, at the
-- time each skipped slot was due, by a trigger on the row that records them; the tables are kept
-- as long as the execution rollups of the same grain (rollups/retention.ts). Reads add them to the
-- execution rollups part by part (src/slo/sloStore.ts).

-- Where a collapsed run of missed slots ends: the first slot after it. The run's slots are spread
-- evenly over [slot_at, missed_until) — exact for interval schedules, whose slots are evenly spaced.
ALTER TABLE scheduled_runs ADD COLUMN missed_until timestamptz;

CREATE TABLE missed_slot_rollups_minute (
  workflow_id text NOT NULL,
  bucket      timestamptz NOT NULL,
  slots       integer NOT NULL,
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX missed_slot_rollups_minute_bucket_idx ON missed_slot_rollups_minute (bucket);

CREATE TABLE missed_slot_rollups_hour (
  workflow_id text NOT NULL,
  bucket      timestamptz NOT NULL,
  slots       integer NOT NULL,
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX missed_slot_rollups_hour_bucket_idx ON missed_slot_rollups_hour (bucket);

CREATE TABLE missed_slot_rollups_day (
  workflow_id text NOT NULL,
  bucket      timestamptz NOT NULL,
  slots       integer NOT NULL,
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX missed_slot_rollups_day_bucket_idx ON missed_slot_rollups_day (bucket);

-- The n slots of a missed run, slot k due at first + k·(until − first)/n, counted per UTC `unit`
-- bucket ('minute', 'hour' or 'day'). Integer microseconds keep the division exact: bucket b holds
-- the k with first + k·s in [b, b + width), i.e. k from ceil((b − first)·n / span) up to (not
-- including) ceil((b + width − first)·n / span). Without an end (a single swept slot) all n fall
-- in slot_at's bucket.
CREATE FUNCTION wm_missed_slot_buckets(first timestamptz, until timestamptz, n integer, unit text)
RETURNS TABLE (bucket timestamptz, slots integer) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH run AS (
    SELECT (extract(epoch FROM first) * 1000000)::numeric AS f,
           (extract(epoch FROM until) * 1000000)::numeric - (extract(epoch FROM first) * 1000000)::numeric AS span,
           (extract(epoch FROM (CASE unit WHEN 'minute' THEN interval '1 minute' WHEN 'hour' THEN interval '1 hour' ELSE interval '24 hours' END)) * 1000000)::numeric AS width,
           CASE unit WHEN 'minute' THEN interval '1 minute' WHEN 'hour' THEN interval '1 hour' ELSE interval '24 hours' END AS step
  )
  SELECT date_trunc(unit, first, 'UTC'), n
    FROM run WHERE until IS NULL OR n <= 1 OR run.span <= 0
  UNION ALL
  SELECT c.bucket, c.slots
    FROM run,
         LATERAL (
           SELECT b AS bucket,
                  (least(n::numeric, greatest(0, ceil(((extract(epoch FROM b) * 1000000)::numeric + run.width - run.f) * n / run.span)))
                   - least(n::numeric, greatest(0, ceil(((extract(epoch FROM b) * 1000000)::numeric - run.f) * n / run.span))))::int AS slots
             FROM generate_series(date_trunc(unit, first, 'UTC'), until, run.step) AS b
         ) c
   WHERE until IS NOT NULL AND n > 1 AND run.span > 0 AND c.slots > 0
$$;

CREATE FUNCTION wm_rollup_missed_slots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO missed_slot_rollups_minute AS r (workflow_id, bucket, slots)
  SELECT NEW.workflow_id, m.bucket, m.slots FROM wm_missed_slot_buckets(NEW.slot_at, NEW.missed_until, NEW.missed_slots, 'minute') m
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET slots = r.slots + EXCLUDED.slots;
  INSERT INTO missed_slot_rollups_hour AS r (workflow_id, bucket, slots)
  SELECT NEW.workflow_id, m.bucket, m.slots FROM wm_missed_slot_buckets(NEW.slot_at, NEW.missed_until, NEW.missed_slots, 'hour') m
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET slots = r.slots + EXCLUDED.slots;
  INSERT INTO missed_slot_rollups_day AS r (workflow_id, bucket, slots)
  SELECT NEW.workflow_id, m.bucket, m.slots FROM wm_missed_slot_buckets(NEW.slot_at, NEW.missed_until, NEW.missed_slots, 'day') m
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET slots = r.slots + EXCLUDED.slots;
  RETURN NULL;
END
$$;

-- Row triggers with a WHEN clause: claiming and finishing slots (the hot path) never call the function.
CREATE TRIGGER scheduled_runs_missed_insert AFTER INSERT ON scheduled_runs
  FOR EACH ROW WHEN (NEW.state = 'missed' AND NEW.kind = 'scheduled') EXECUTE FUNCTION wm_rollup_missed_slots();
CREATE TRIGGER scheduled_runs_missed_update AFTER UPDATE OF state ON scheduled_runs
  FOR EACH ROW WHEN (NEW.state = 'missed' AND OLD.state <> 'missed' AND NEW.kind = 'scheduled') EXECUTE FUNCTION wm_rollup_missed_slots();

-- The missed rows still kept (the last day): each one at its slot's bucket.
INSERT INTO missed_slot_rollups_minute (workflow_id, bucket, slots)
SELECT workflow_id, date_trunc('minute', slot_at, 'UTC'), sum(missed_slots)::int FROM scheduled_runs
 WHERE state = 'missed' AND kind = 'scheduled' GROUP BY 1, 2;
INSERT INTO missed_slot_rollups_hour (workflow_id, bucket, slots)
SELECT workflow_id, date_trunc('hour', slot_at, 'UTC'), sum(missed_slots)::int FROM scheduled_runs
 WHERE state = 'missed' AND kind = 'scheduled' GROUP BY 1, 2;
INSERT INTO missed_slot_rollups_day (workflow_id, bucket, slots)
SELECT workflow_id, date_trunc('day', slot_at, 'UTC'), sum(missed_slots)::int FROM scheduled_runs
 WHERE state = 'missed' AND kind = 'scheduled' GROUP BY 1, 2;
