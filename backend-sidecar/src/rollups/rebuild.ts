import { withTransaction, type Pool } from '../db/pool';

/**
 * Recomputes the rollups of [from, to) from raw executions (after an upgrade, or to repair):
 * deletes the affected buckets and re-inserts them through the same trigger function's logic, by
 * replaying the raw rows into a temporary table that carries the trigger.
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
    return { executions: rowCount ?? 0 };
  });
}
