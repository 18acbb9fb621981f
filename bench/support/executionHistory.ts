import type { Pool } from '../../backend-sidecar/src/db/pool';

/**
 * `workflows` scheduled workflows w1…wN (label team=t0…t11) and `rows` executions over the last
 * 30 days through the real rollup trigger: 85 % success, 10 % degraded, 5 % failed, durations
 * skewed towards short. Executions arrive in time order, as they do in production: chunk k covers
 * the k-th slice of the 30 days (random times inside it), so the rollup rows of one hour are
 * written together and sit together on disk, as after a month of real traffic. `definition` gives
 * each workflow's stored definition (e.g. an SLO). Shared by every benchmark that needs history (metrics-api, sla-report, slo, page-load).
 */
export async function generateExecutionHistory(pool: Pool, opts: { rows: number; workflows: number; definition?: (n: number) => object }): Promise<void> {
  const definitions = Array.from({ length: opts.workflows }, (_, i) => JSON.stringify(opts.definition?.(i + 1) ?? {}));
  await pool.query(
    `INSERT INTO workflows (id, name, source, definition, mode, every_ms, labels)
     SELECT 'w' || g, 'Workflow ' || g, 'api', ($2::text[])[g]::jsonb, 'scheduled', 60000, jsonb_build_object('team', 't' || (g % 12)) FROM generate_series(1, $1) g`,
    [opts.workflows, definitions]
  );
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
