-- Per-minute and per-hour rollups of executions, maintained by the write itself.
-- A statement-level trigger with a transition table: a multi-row insert costs one upsert per
-- (workflow, bucket), and the writer pays no extra round trip (docs/metrics.md).

CREATE FUNCTION wm_add_int_arrays(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

CREATE TABLE execution_rollups_minute (
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
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX execution_rollups_minute_bucket_idx ON execution_rollups_minute (bucket);

CREATE TABLE execution_rollups_hour (
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
  PRIMARY KEY (workflow_id, bucket)
);
CREATE INDEX execution_rollups_hour_bucket_idx ON execution_rollups_hour (bucket);

CREATE FUNCTION wm_rollup_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO execution_rollups_minute AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets)
  SELECT workflow_id, date_trunc('minute', started_at), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 0)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 1)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 2)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 3)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 4)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 5)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 6)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 7)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 8)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 9)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 10)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 11)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 12)::int
         ]
    FROM new_rows GROUP BY 1, 2
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
    duration_buckets = wm_add_int_arrays(r.duration_buckets, EXCLUDED.duration_buckets);

  INSERT INTO execution_rollups_hour AS r (workflow_id, bucket, executions, successes, degraded, failures, attempts, retries,
                            duration_sum, duration_min, duration_max, duration_buckets)
  SELECT workflow_id, date_trunc('hour', started_at), count(*)::int,
         count(*) FILTER (WHERE status = 'success')::int, count(*) FILTER (WHERE status = 'degraded')::int,
         count(*) FILTER (WHERE status = 'failed')::int, sum(attempts)::int, sum(retries)::int,
         sum(duration_ms)::bigint, min(duration_ms), max(duration_ms),
         ARRAY[
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 0)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 1)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 2)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 3)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 4)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 5)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 6)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 7)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 8)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 9)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 10)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 11)::int,
      count(*) FILTER (WHERE width_bucket(duration_ms, '{10,25,50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) = 12)::int
         ]
    FROM new_rows GROUP BY 1, 2
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
    duration_buckets = wm_add_int_arrays(r.duration_buckets, EXCLUDED.duration_buckets);

  RETURN NULL;
END
$$;

CREATE TRIGGER executions_rollup AFTER INSERT ON executions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wm_rollup_executions();

-- Retention deletes old raw rows in batches by start time.
CREATE INDEX IF NOT EXISTS executions_started_id_idx ON executions (started_at, id);
