-- SLO reads (src/slo/sloStore.ts) sum good and failed counts per workflow over short bucket ranges of the
-- minute and hour rollups (up to 30 minute rows and 12 hour rows per window start and workflow, each window
-- start read to the minute) and over the day rows since the longest window's start. Through the plain
-- `bucket` index each row was a heap fetch of a wide rollup row (histogram, error and retry arrays), one
-- buffer visit per row. The bucket index now carries the columns those reads need, so they are index-only
-- scans (~100 rows per index page). Its name and key are unchanged, so every other reader (metrics API,
-- retention) uses it as before. Those reads run with sequential and bitmap scans turned off (snapshotReads in
-- src/db/pool.ts): the ranges come from unnest(), so the planner cannot see how short they are, guesses a
-- ninth of the table per range, and at some table sizes chose a scan of the whole minute table (seconds)
-- instead of these index ranges (milliseconds).
--
-- What it costs the write path: the counts now live in an index, so an upsert that adds to a rollup row
-- is never a HOT update. In practice few were (n_tup_hot_upd was ~0 for these tables: their pages are
-- full), and bench/engine-throughput.ts measured no difference (docs/BENCHMARKS.md, issue 20).
--
-- Index-only scans skip the heap only for pages the visibility map marks all-visible, which autovacuum
-- sets. By default an insert-mostly table is vacuumed after inserts of 20 % of its size — days of rows for
-- a large minute table — so it is asked to come every 1 % instead (a vacuum of a recently appended part
-- is cheap: it skips pages already all-visible). Pages not yet marked are read from the heap as before.
DROP INDEX execution_rollups_minute_bucket_idx;
CREATE INDEX execution_rollups_minute_bucket_idx ON execution_rollups_minute (bucket) INCLUDE (workflow_id, successes, degraded, failures);
DROP INDEX execution_rollups_hour_bucket_idx;
CREATE INDEX execution_rollups_hour_bucket_idx ON execution_rollups_hour (bucket) INCLUDE (workflow_id, successes, degraded, failures);
DROP INDEX execution_rollups_day_bucket_idx;
CREATE INDEX execution_rollups_day_bucket_idx ON execution_rollups_day (bucket) INCLUDE (workflow_id, successes, degraded, failures);
ALTER TABLE execution_rollups_minute SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE execution_rollups_hour SET (autovacuum_vacuum_insert_scale_factor = 0.01);
