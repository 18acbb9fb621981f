import type { Pool } from '../../backend-sidecar/src/db/pool';

/**
 * `rows` executions over the last 30 days across workflows w1…w<workflows> (85 % success, 10 %
 * degraded, 5 % failed; durations skewed towards short), written through the real rollup trigger.
 * They arrive in time order, as they do in production: chunk k covers the k-th slice of the 30
 * days (random times inside it). Rollup rows of one hour are then written together and sit
 * together on disk, as they would after a month of real traffic.
 */
export async function generateExecutionHistory(pool: Pool, opts: { rows: number; workflows: number }): Promise<void> {
  const chunk = 250_000;
  const chunks = Math.ceil(opts.rows / chunk);
  for (let k = 0; k < chunks; k += 1) {
    const n = Math.min(chunk, opts.rows - k * chunk);
    await pool.query(
      `INSERT INTO executions (workflow_id, trigger, status, started_at, finished_at, duration_ms, attempts, retries)
       SELECT 'w' || (1 + (g % $2)), 'schedule',
              CASE WHEN r < 0.85 THEN 'success' WHEN r < 0.95 THEN 'degraded' ELSE 'failed' END,
              now() - make_interval(secs => (1 - ($3 + random()) / $4) * 30 * 86400), now(), (1 + random() ^ 3 * 20000)::int,
              CASE WHEN r < 0.85 THEN 1 ELSE 2 END, CASE WHEN r < 0.85 THEN 0 ELSE 1 END
         FROM (SELECT g, random() AS r FROM generate_series(1, $1) g) s ORDER BY 4`,
      [n, opts.workflows, k, chunks]
    );
  }
  for (const table of ['executions', 'execution_rollups_hour', 'execution_rollups_minute', 'execution_rollups_day']) {
    await pool.query(`VACUUM ANALYZE ${table}`);
  }
}
