-- A per-day rollup per workflow (UTC days), maintained by the same statement-level trigger, so a
-- 30-day summary reads 30 rows per workflow instead of 720 (docs/metrics.md, "Where each figure is
-- read from"). Each day row also counts executions per UTC hour of day (hour_executions[1] is
-- 00:00–00:59), which is all the hourly pattern needs. Minute and hour buckets are now truncated in
-- UTC explicitly, so a session time zone with a half-hour offset cannot shift them.

CREATE TABLE execution_rollups_day (
  workflow_id      text NOT NULL,
  bucket           timestamptz NOT NULL,
  executions       integer NOT NULL,
  successes        integer NOT NULL,
  degraded         integer NOT NULL,
  failures         integer NOT NULL,
  attempts         integer NOT NULL,
  retries          integer NOT NULL,
  duration_sum     bigint NOT NULL,
  duration_min     integer,
  duration_max     integer,
  -- Counts per duration bucket; bounds in ms: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] and +Inf (13 buckets).
  duration_buckets integer[] NOT NULL,
  -- Executions per UTC hour of the day (24 counts).
  hour_executions  integer[] NOT NULL,
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX execution_rollups_day_bucket_idx ON execution_rollups_day (bucket);

-- Existing history: days from the hour rollups (they outlive raw executions).
INSERT INTO execution_rollups_day (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                                   duration_sum, duration_min, duration_max, duration_buckets, hour_executions)
SELECT workflow_id, date_trunc('day', bucket, 'UTC'), sum(executions)::int, sum(successes)::int, sum(degraded)::int,
       sum(failures)::int, sum(attempts)::int, sum(retries)::int, sum(duration_sum)::bigint, min(duration_min), max(duration_max),
       ARRAY[sum(duration_buckets[1])::int, sum(duration_buckets[2])::int, sum(duration_buckets[3])::int, sum(duration_buckets[4])::int, sum(duration_buckets[5])::int, sum(duration_buckets[6])::int, sum(duration_buckets[7])::int, sum(duration_buckets[8])::int, sum(duration_buckets[9])::int, sum(duration_buckets[10])::int, sum(duration_buckets[11])::int, sum(duration_buckets[12])::int, sum(duration_buckets[13])::int],
       ARRAY[coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 0), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 1), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 2), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 3), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 4), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 5), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 6), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 7), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 8), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 9), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 10), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 11), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 12), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 13), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 14), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 15), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 16), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 17), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 18), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 19), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 20), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 21), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 22), 0)::int, coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = 23), 0)::int]
  FROM execution_rollups_hour GROUP BY 1, 2;

CREATE OR REPLACE FUNCTION wm_rollup_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO execution_rollups_minute AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets)
  SELECT workflow_id, date_trunc('minute', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int]
    FROM (SELECT workflow_id, started_at, status, attempts, retries, duration_ms,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET
    executions = r.executions + EXCLUDED.executions,
    successes = r.successes + EXCLUDED.successes,
    degraded = r.degraded + EXCLUDED.degraded,
    failures = r.failures + EXCLUDED.failures,
    attempts = r.attempts + EXCLUDED.attempts,
    retries = r.retries + EXCLUDED.retries,
    duration_sum = r.duration_sum + EXCLUDED.duration_sum,
    duration_min = least(r.duration_min, EXCLUDED.duration_min),
    duration_max = greatest(r.duration_max, EXCLUDED.duration_max),
    duration_buckets = ARRAY[r.duration_buckets[1] + EXCLUDED.duration_buckets[1], r.duration_buckets[2] + EXCLUDED.duration_buckets[2], r.duration_buckets[3] + EXCLUDED.duration_buckets[3], r.duration_buckets[4] + EXCLUDED.duration_buckets[4], r.duration_buckets[5] + EXCLUDED.duration_buckets[5], r.duration_buckets[6] + EXCLUDED.duration_buckets[6], r.duration_buckets[7] + EXCLUDED.duration_buckets[7], r.duration_buckets[8] + EXCLUDED.duration_buckets[8], r.duration_buckets[9] + EXCLUDED.duration_buckets[9], r.duration_buckets[10] + EXCLUDED.duration_buckets[10], r.duration_buckets[11] + EXCLUDED.duration_buckets[11], r.duration_buckets[12] + EXCLUDED.duration_buckets[12], r.duration_buckets[13] + EXCLUDED.duration_buckets[13]];

  INSERT INTO execution_rollups_hour AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets)
  SELECT workflow_id, date_trunc('hour', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int]
    FROM (SELECT workflow_id, started_at, status, attempts, retries, duration_ms,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET
    executions = r.executions + EXCLUDED.executions,
    successes = r.successes + EXCLUDED.successes,
    degraded = r.degraded + EXCLUDED.degraded,
    failures = r.failures + EXCLUDED.failures,
    attempts = r.attempts + EXCLUDED.attempts,
    retries = r.retries + EXCLUDED.retries,
    duration_sum = r.duration_sum + EXCLUDED.duration_sum,
    duration_min = least(r.duration_min, EXCLUDED.duration_min),
    duration_max = greatest(r.duration_max, EXCLUDED.duration_max),
    duration_buckets = ARRAY[r.duration_buckets[1] + EXCLUDED.duration_buckets[1], r.duration_buckets[2] + EXCLUDED.duration_buckets[2], r.duration_buckets[3] + EXCLUDED.duration_buckets[3], r.duration_buckets[4] + EXCLUDED.duration_buckets[4], r.duration_buckets[5] + EXCLUDED.duration_buckets[5], r.duration_buckets[6] + EXCLUDED.duration_buckets[6], r.duration_buckets[7] + EXCLUDED.duration_buckets[7], r.duration_buckets[8] + EXCLUDED.duration_buckets[8], r.duration_buckets[9] + EXCLUDED.duration_buckets[9], r.duration_buckets[10] + EXCLUDED.duration_buckets[10], r.duration_buckets[11] + EXCLUDED.duration_buckets[11], r.duration_buckets[12] + EXCLUDED.duration_buckets[12], r.duration_buckets[13] + EXCLUDED.duration_buckets[13]];

  INSERT INTO execution_rollups_day AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets, hour_executions)
  SELECT workflow_id, date_trunc('day', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int],
         ARRAY[count(*) FILTER (WHERE h = 0)::int, count(*) FILTER (WHERE h = 1)::int, count(*) FILTER (WHERE h = 2)::int, count(*) FILTER (WHERE h = 3)::int, count(*) FILTER (WHERE h = 4)::int, count(*) FILTER (WHERE h = 5)::int, count(*) FILTER (WHERE h = 6)::int, count(*) FILTER (WHERE h = 7)::int, count(*) FILTER (WHERE h = 8)::int, count(*) FILTER (WHERE h = 9)::int, count(*) FILTER (WHERE h = 10)::int, count(*) FILTER (WHERE h = 11)::int, count(*) FILTER (WHERE h = 12)::int, count(*) FILTER (WHERE h = 13)::int, count(*) FILTER (WHERE h = 14)::int, count(*) FILTER (WHERE h = 15)::int, count(*) FILTER (WHERE h = 16)::int, count(*) FILTER (WHERE h = 17)::int, count(*) FILTER (WHERE h = 18)::int, count(*) FILTER (WHERE h = 19)::int, count(*) FILTER (WHERE h = 20)::int, count(*) FILTER (WHERE h = 21)::int, count(*) FILTER (WHERE h = 22)::int, count(*) FILTER (WHERE h = 23)::int]
    FROM (SELECT workflow_id, started_at, status, attempts, retries, duration_ms,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2
  ON CONFLICT (workflow_id, bucket) DO UPDATE SET
    executions = r.executions + EXCLUDED.executions,
    successes = r.successes + EXCLUDED.successes,
    degraded = r.degraded + EXCLUDED.degraded,
    failures = r.failures + EXCLUDED.failures,
    attempts = r.attempts + EXCLUDED.attempts,
    retries = r.retries + EXCLUDED.retries,
    duration_sum = r.duration_sum + EXCLUDED.duration_sum,
    duration_min = least(r.duration_min, EXCLUDED.duration_min),
    duration_max = greatest(r.duration_max, EXCLUDED.duration_max),
    duration_buckets = ARRAY[r.duration_buckets[1] + EXCLUDED.duration_buckets[1], r.duration_buckets[2] + EXCLUDED.duration_buckets[2], r.duration_buckets[3] + EXCLUDED.duration_buckets[3], r.duration_buckets[4] + EXCLUDED.duration_buckets[4], r.duration_buckets[5] + EXCLUDED.duration_buckets[5], r.duration_buckets[6] + EXCLUDED.duration_buckets[6], r.duration_buckets[7] + EXCLUDED.duration_buckets[7], r.duration_buckets[8] + EXCLUDED.duration_buckets[8], r.duration_buckets[9] + EXCLUDED.duration_buckets[9], r.duration_buckets[10] + EXCLUDED.duration_buckets[10], r.duration_buckets[11] + EXCLUDED.duration_buckets[11], r.duration_buckets[12] + EXCLUDED.duration_buckets[12], r.duration_buckets[13] + EXCLUDED.duration_buckets[13]],
    hour_executions = ARRAY[r.hour_executions[1] + EXCLUDED.hour_executions[1], r.hour_executions[2] + EXCLUDED.hour_executions[2], r.hour_executions[3] + EXCLUDED.hour_executions[3], r.hour_executions[4] + EXCLUDED.hour_executions[4], r.hour_executions[5] + EXCLUDED.hour_executions[5], r.hour_executions[6] + EXCLUDED.hour_executions[6], r.hour_executions[7] + EXCLUDED.hour_executions[7], r.hour_executions[8] + EXCLUDED.hour_executions[8], r.hour_executions[9] + EXCLUDED.hour_executions[9], r.hour_executions[10] + EXCLUDED.hour_executions[10], r.hour_executions[11] + EXCLUDED.hour_executions[11], r.hour_executions[12] + EXCLUDED.hour_executions[12], r.hour_executions[13] + EXCLUDED.hour_executions[13], r.hour_executions[14] + EXCLUDED.hour_executions[14], r.hour_executions[15] + EXCLUDED.hour_executions[15], r.hour_executions[16] + EXCLUDED.hour_executions[16], r.hour_executions[17] + EXCLUDED.hour_executions[17], r.hour_executions[18] + EXCLUDED.hour_executions[18], r.hour_executions[19] + EXCLUDED.hour_executions[19], r.hour_executions[20] + EXCLUDED.hour_executions[20], r.hour_executions[21] + EXCLUDED.hour_executions[21], r.hour_executions[22] + EXCLUDED.hour_executions[22], r.hour_executions[23] + EXCLUDED.hour_executions[23], r.hour_executions[24] + EXCLUDED.hour_executions[24]];

  RETURN NULL;
END
$$;
