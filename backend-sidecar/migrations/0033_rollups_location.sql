-- Rollups keep the location as a dimension: one row per (workflow, bucket, location), so a panel
-- split by location and a quorum-minded reader see each location's own figures, and sums over
-- locations give the totals as before. Readers aggregate (SUM … GROUP BY the keys they need).
--
-- Every execution and every rollup row written before 0032 came from a replica without a location,
-- i.e. from `default` (0032 gave executions that default): the rows are kept and re-keyed, not
-- recomputed, so totals are unchanged — also for hours and days whose raw executions retention
-- has already deleted. The trigger function is replaced whole with `location` in its grouping.

ALTER TABLE execution_rollups_minute ADD COLUMN location text NOT NULL DEFAULT 'default';
ALTER TABLE execution_rollups_minute DROP CONSTRAINT execution_rollups_minute_pkey;
ALTER TABLE execution_rollups_minute ADD PRIMARY KEY (workflow_id, bucket, location);
ALTER TABLE execution_rollups_hour ADD COLUMN location text NOT NULL DEFAULT 'default';
ALTER TABLE execution_rollups_hour DROP CONSTRAINT execution_rollups_hour_pkey;
ALTER TABLE execution_rollups_hour ADD PRIMARY KEY (workflow_id, bucket, location);
ALTER TABLE execution_rollups_day ADD COLUMN location text NOT NULL DEFAULT 'default';
ALTER TABLE execution_rollups_day DROP CONSTRAINT execution_rollups_day_pkey;
ALTER TABLE execution_rollups_day ADD PRIMARY KEY (workflow_id, bucket, location);

CREATE OR REPLACE FUNCTION wm_rollup_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO execution_rollups_minute AS r (workflow_id, location, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets, errors_by_type, retries_by_type)
  SELECT workflow_id, location, date_trunc('minute', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int],
         ARRAY[coalesce(sum(errors_by_type[1]), 0)::int, coalesce(sum(errors_by_type[2]), 0)::int, coalesce(sum(errors_by_type[3]), 0)::int, coalesce(sum(errors_by_type[4]), 0)::int, coalesce(sum(errors_by_type[5]), 0)::int, coalesce(sum(errors_by_type[6]), 0)::int, coalesce(sum(errors_by_type[7]), 0)::int, coalesce(sum(errors_by_type[8]), 0)::int],
         ARRAY[coalesce(sum(retries_by_type[1]), 0)::int, coalesce(sum(retries_by_type[2]), 0)::int, coalesce(sum(retries_by_type[3]), 0)::int, coalesce(sum(retries_by_type[4]), 0)::int, coalesce(sum(retries_by_type[5]), 0)::int, coalesce(sum(retries_by_type[6]), 0)::int, coalesce(sum(retries_by_type[7]), 0)::int, coalesce(sum(retries_by_type[8]), 0)::int]
    FROM (SELECT workflow_id, location, started_at, status, attempts, retries, duration_ms, errors_by_type, retries_by_type,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2, 3
  ON CONFLICT (workflow_id, bucket, location) DO UPDATE SET
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
    errors_by_type = ARRAY[r.errors_by_type[1] + EXCLUDED.errors_by_type[1], r.errors_by_type[2] + EXCLUDED.errors_by_type[2], r.errors_by_type[3] + EXCLUDED.errors_by_type[3], r.errors_by_type[4] + EXCLUDED.errors_by_type[4], r.errors_by_type[5] + EXCLUDED.errors_by_type[5], r.errors_by_type[6] + EXCLUDED.errors_by_type[6], r.errors_by_type[7] + EXCLUDED.errors_by_type[7], r.errors_by_type[8] + EXCLUDED.errors_by_type[8]],
    retries_by_type = ARRAY[r.retries_by_type[1] + EXCLUDED.retries_by_type[1], r.retries_by_type[2] + EXCLUDED.retries_by_type[2], r.retries_by_type[3] + EXCLUDED.retries_by_type[3], r.retries_by_type[4] + EXCLUDED.retries_by_type[4], r.retries_by_type[5] + EXCLUDED.retries_by_type[5], r.retries_by_type[6] + EXCLUDED.retries_by_type[6], r.retries_by_type[7] + EXCLUDED.retries_by_type[7], r.retries_by_type[8] + EXCLUDED.retries_by_type[8]];

  INSERT INTO execution_rollups_hour AS r (workflow_id, location, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets, errors_by_type, retries_by_type)
  SELECT workflow_id, location, date_trunc('hour', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int],
         ARRAY[coalesce(sum(errors_by_type[1]), 0)::int, coalesce(sum(errors_by_type[2]), 0)::int, coalesce(sum(errors_by_type[3]), 0)::int, coalesce(sum(errors_by_type[4]), 0)::int, coalesce(sum(errors_by_type[5]), 0)::int, coalesce(sum(errors_by_type[6]), 0)::int, coalesce(sum(errors_by_type[7]), 0)::int, coalesce(sum(errors_by_type[8]), 0)::int],
         ARRAY[coalesce(sum(retries_by_type[1]), 0)::int, coalesce(sum(retries_by_type[2]), 0)::int, coalesce(sum(retries_by_type[3]), 0)::int, coalesce(sum(retries_by_type[4]), 0)::int, coalesce(sum(retries_by_type[5]), 0)::int, coalesce(sum(retries_by_type[6]), 0)::int, coalesce(sum(retries_by_type[7]), 0)::int, coalesce(sum(retries_by_type[8]), 0)::int]
    FROM (SELECT workflow_id, location, started_at, status, attempts, retries, duration_ms, errors_by_type, retries_by_type,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2, 3
  ON CONFLICT (workflow_id, bucket, location) DO UPDATE SET
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
    errors_by_type = ARRAY[r.errors_by_type[1] + EXCLUDED.errors_by_type[1], r.errors_by_type[2] + EXCLUDED.errors_by_type[2], r.errors_by_type[3] + EXCLUDED.errors_by_type[3], r.errors_by_type[4] + EXCLUDED.errors_by_type[4], r.errors_by_type[5] + EXCLUDED.errors_by_type[5], r.errors_by_type[6] + EXCLUDED.errors_by_type[6], r.errors_by_type[7] + EXCLUDED.errors_by_type[7], r.errors_by_type[8] + EXCLUDED.errors_by_type[8]],
    retries_by_type = ARRAY[r.retries_by_type[1] + EXCLUDED.retries_by_type[1], r.retries_by_type[2] + EXCLUDED.retries_by_type[2], r.retries_by_type[3] + EXCLUDED.retries_by_type[3], r.retries_by_type[4] + EXCLUDED.retries_by_type[4], r.retries_by_type[5] + EXCLUDED.retries_by_type[5], r.retries_by_type[6] + EXCLUDED.retries_by_type[6], r.retries_by_type[7] + EXCLUDED.retries_by_type[7], r.retries_by_type[8] + EXCLUDED.retries_by_type[8]];

  INSERT INTO execution_rollups_day AS r (workflow_id, location, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets, errors_by_type, retries_by_type, hour_executions)
  SELECT workflow_id, location, date_trunc('day', started_at, 'UTC'), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[count(*) FILTER (WHERE b = 0)::int, count(*) FILTER (WHERE b = 1)::int, count(*) FILTER (WHERE b = 2)::int, count(*) FILTER (WHERE b = 3)::int, count(*) FILTER (WHERE b = 4)::int, count(*) FILTER (WHERE b = 5)::int, count(*) FILTER (WHERE b = 6)::int, count(*) FILTER (WHERE b = 7)::int, count(*) FILTER (WHERE b = 8)::int, count(*) FILTER (WHERE b = 9)::int, count(*) FILTER (WHERE b = 10)::int, count(*) FILTER (WHERE b = 11)::int, count(*) FILTER (WHERE b = 12)::int],
         ARRAY[coalesce(sum(errors_by_type[1]), 0)::int, coalesce(sum(errors_by_type[2]), 0)::int, coalesce(sum(errors_by_type[3]), 0)::int, coalesce(sum(errors_by_type[4]), 0)::int, coalesce(sum(errors_by_type[5]), 0)::int, coalesce(sum(errors_by_type[6]), 0)::int, coalesce(sum(errors_by_type[7]), 0)::int, coalesce(sum(errors_by_type[8]), 0)::int],
         ARRAY[coalesce(sum(retries_by_type[1]), 0)::int, coalesce(sum(retries_by_type[2]), 0)::int, coalesce(sum(retries_by_type[3]), 0)::int, coalesce(sum(retries_by_type[4]), 0)::int, coalesce(sum(retries_by_type[5]), 0)::int, coalesce(sum(retries_by_type[6]), 0)::int, coalesce(sum(retries_by_type[7]), 0)::int, coalesce(sum(retries_by_type[8]), 0)::int],
         ARRAY[count(*) FILTER (WHERE h = 0)::int, count(*) FILTER (WHERE h = 1)::int, count(*) FILTER (WHERE h = 2)::int, count(*) FILTER (WHERE h = 3)::int, count(*) FILTER (WHERE h = 4)::int, count(*) FILTER (WHERE h = 5)::int, count(*) FILTER (WHERE h = 6)::int, count(*) FILTER (WHERE h = 7)::int, count(*) FILTER (WHERE h = 8)::int, count(*) FILTER (WHERE h = 9)::int, count(*) FILTER (WHERE h = 10)::int, count(*) FILTER (WHERE h = 11)::int, count(*) FILTER (WHERE h = 12)::int, count(*) FILTER (WHERE h = 13)::int, count(*) FILTER (WHERE h = 14)::int, count(*) FILTER (WHERE h = 15)::int, count(*) FILTER (WHERE h = 16)::int, count(*) FILTER (WHERE h = 17)::int, count(*) FILTER (WHERE h = 18)::int, count(*) FILTER (WHERE h = 19)::int, count(*) FILTER (WHERE h = 20)::int, count(*) FILTER (WHERE h = 21)::int, count(*) FILTER (WHERE h = 22)::int, count(*) FILTER (WHERE h = 23)::int]
    FROM (SELECT workflow_id, location, started_at, status, attempts, retries, duration_ms, errors_by_type, retries_by_type,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b,
                 extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h FROM new_rows) x
   GROUP BY 1, 2, 3
  ON CONFLICT (workflow_id, bucket, location) DO UPDATE SET
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
    errors_by_type = ARRAY[r.errors_by_type[1] + EXCLUDED.errors_by_type[1], r.errors_by_type[2] + EXCLUDED.errors_by_type[2], r.errors_by_type[3] + EXCLUDED.errors_by_type[3], r.errors_by_type[4] + EXCLUDED.errors_by_type[4], r.errors_by_type[5] + EXCLUDED.errors_by_type[5], r.errors_by_type[6] + EXCLUDED.errors_by_type[6], r.errors_by_type[7] + EXCLUDED.errors_by_type[7], r.errors_by_type[8] + EXCLUDED.errors_by_type[8]],
    retries_by_type = ARRAY[r.retries_by_type[1] + EXCLUDED.retries_by_type[1], r.retries_by_type[2] + EXCLUDED.retries_by_type[2], r.retries_by_type[3] + EXCLUDED.retries_by_type[3], r.retries_by_type[4] + EXCLUDED.retries_by_type[4], r.retries_by_type[5] + EXCLUDED.retries_by_type[5], r.retries_by_type[6] + EXCLUDED.retries_by_type[6], r.retries_by_type[7] + EXCLUDED.retries_by_type[7], r.retries_by_type[8] + EXCLUDED.retries_by_type[8]],
    hour_executions = ARRAY[r.hour_executions[1] + EXCLUDED.hour_executions[1], r.hour_executions[2] + EXCLUDED.hour_executions[2], r.hour_executions[3] + EXCLUDED.hour_executions[3], r.hour_executions[4] + EXCLUDED.hour_executions[4], r.hour_executions[5] + EXCLUDED.hour_executions[5], r.hour_executions[6] + EXCLUDED.hour_executions[6], r.hour_executions[7] + EXCLUDED.hour_executions[7], r.hour_executions[8] + EXCLUDED.hour_executions[8], r.hour_executions[9] + EXCLUDED.hour_executions[9], r.hour_executions[10] + EXCLUDED.hour_executions[10], r.hour_executions[11] + EXCLUDED.hour_executions[11], r.hour_executions[12] + EXCLUDED.hour_executions[12], r.hour_executions[13] + EXCLUDED.hour_executions[13], r.hour_executions[14] + EXCLUDED.hour_executions[14], r.hour_executions[15] + EXCLUDED.hour_executions[15], r.hour_executions[16] + EXCLUDED.hour_executions[16], r.hour_executions[17] + EXCLUDED.hour_executions[17], r.hour_executions[18] + EXCLUDED.hour_executions[18], r.hour_executions[19] + EXCLUDED.hour_executions[19], r.hour_executions[20] + EXCLUDED.hour_executions[20], r.hour_executions[21] + EXCLUDED.hour_executions[21], r.hour_executions[22] + EXCLUDED.hour_executions[22], r.hour_executions[23] + EXCLUDED.hour_executions[23], r.hour_executions[24] + EXCLUDED.hour_executions[24]];

  RETURN NULL;
END
$$;
