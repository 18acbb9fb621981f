import { withTransaction, type Pool } from '../db/pool';
import { ERROR_TYPES } from '../model/execution';
import { BUCKET_COUNT, sumArray } from './histogram';

const DAY_MS = 86_400_000;

/** Day rollups of [from, to) recomputed from the hour rollups (replacing what was there). */
export const DAYS_FROM_HOURS_SQL = `
  INSERT INTO execution_rollups_day (workflow_id, location, bucket, executions, successes, degraded, failures, attempts, retries,
                                     duration_sum, duration_min, duration_max, duration_buckets, hour_executions,
                                     errors_by_type, retries_by_type)
  SELECT workflow_id, location, date_trunc('day', bucket, 'UTC'), sum(executions)::int, sum(successes)::int, sum(degraded)::int,
         sum(failures)::int, sum(attempts)::int, sum(retries)::int, sum(duration_sum)::bigint, min(duration_min), max(duration_max),
         ${sumArray('duration_buckets', BUCKET_COUNT)},
         ARRAY[${Array.from({ length: 24 }, (_, i) => `coalesce(sum(executions) FILTER (WHERE extract(hour FROM bucket AT TIME ZONE 'UTC') = ${i}), 0)::int`).join(', ')}],
         ${sumArray('errors_by_type', ERROR_TYPES.length)}, ${sumArray('retries_by_type', ERROR_TYPES.length)}
    FROM execution_rollups_hour WHERE bucket >= $1 AND bucket < $2 GROUP BY 1, 2, 3`;

/**
 * Recomputes the rollups of [from, to) from raw executions (after an upgrade, or to repair):
 * deletes the affected buckets and re-inserts them through the same trigger function's logic, by
 * replaying the raw rows into a temporary table that carries the trigger. Day rollups of the days
 * touched are then recomputed from the hour rollups.
 */
export async function rebuildRollups(pool: Pool, range: { from?: Date; to?: Date } = {}): Promise<{ executions: number }> {
  // Whole hours, so every minute and hour bucket touched is rebuilt completely.
  const hour = 3_600_000;
  const from = new Date(Math.floor((range.from ?? new Date(0)).getTime() / hour) * hour);
  const to = new Date(Math.ceil((range.to ?? new Date('9999-01-01T00:00:00Z')).getTime() / hour) * hour);
  return withTransaction(pool, async (client) => {
    await client.query(`DELETE FROM execution_rollups_minute WHERE bucket >= $1 AND bucket < $2`, [from, to]);
    await client.query(`DELETE FROM execution_rollups_hour WHERE bucket >= $1 AND bucket < $2`, [from, to]);
    await client.query(`CREATE TEMP TABLE wm_rebuild (LIKE executions) ON COMMIT DROP`);
    await client.query(
      `CREATE TRIGGER wm_rebuild_rollup AFTER INSERT ON wm_rebuild REFERENCING NEW TABLE AS new_rows
         FOR EACH STATEMENT EXECUTE FUNCTION wm_rollup_executions()`
    );
    const { rowCount } = await client.query(
      `INSERT INTO wm_rebuild SELECT * FROM executions WHERE started_at >= $1 AND started_at < $2`,
      [from, to]
    );
    // The replay also added into the day rollups; days touched are recomputed whole from the hours
    // (which are right now, inside the range and out of it).
    const dayFrom = new Date(Math.floor(from.getTime() / DAY_MS) * DAY_MS);
    const dayTo = new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS);
    await client.query(`DELETE FROM execution_rollups_day WHERE bucket >= $1 AND bucket < $2`, [dayFrom, dayTo]);
    await client.query(DAYS_FROM_HOURS_SQL, [dayFrom, dayTo]);
    return { executions: rowCount ?? 0 };
  });
}
