-- A cheaper rollup trigger (measured: the first version halved the execution write rate).
-- Each row's duration bucket is computed once, not once per bucket, and bucket arrays are added
-- element by element inline instead of through unnest/array_agg.

CREATE OR REPLACE FUNCTION wm_rollup_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO execution_rollups_minute AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets)
  SELECT workflow_id, date_trunc('minute', started_at), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[
           count(*) FILTER (WHERE b = 0)::int,
           count(*) FILTER (WHERE b = 1)::int,
           count(*) FILTER (WHERE b = 2)::int,
           count(*) FILTER (WHERE b = 3)::int,
           count(*) FILTER (WHERE b = 4)::int,
           count(*) FILTER (WHERE b = 5)::int,
           count(*) FILTER (WHERE b = 6)::int,
           count(*) FILTER (WHERE b = 7)::int,
           count(*) FILTER (WHERE b = 8)::int,
           count(*) FILTER (WHERE b = 9)::int,
           count(*) FILTER (WHERE b = 10)::int,
           count(*) FILTER (WHERE b = 11)::int,
           count(*) FILTER (WHERE b = 12)::int
         ]
    FROM (SELECT workflow_id, started_at, status, attempts, retries, duration_ms,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b FROM new_rows) x
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
  SELECT workflow_id, date_trunc('hour', started_at), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[
           count(*) FILTER (WHERE b = 0)::int,
           count(*) FILTER (WHERE b = 1)::int,
           count(*) FILTER (WHERE b = 2)::int,
           count(*) FILTER (WHERE b = 3)::int,
           count(*) FILTER (WHERE b = 4)::int,
           count(*) FILTER (WHERE b = 5)::int,
           count(*) FILTER (WHERE b = 6)::int,
           count(*) FILTER (WHERE b = 7)::int,
           count(*) FILTER (WHERE b = 8)::int,
           count(*) FILTER (WHERE b = 9)::int,
           count(*) FILTER (WHERE b = 10)::int,
           count(*) FILTER (WHERE b = 11)::int,
           count(*) FILTER (WHERE b = 12)::int
         ]
    FROM (SELECT workflow_id, started_at, status, attempts, retries, duration_ms,
                 width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) AS b FROM new_rows) x
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

  RETURN NULL;
END
$$;
