import type { Pool } from '../db/pool';

export interface RetentionSettings {
  rawMs: number;
  rollupsMs: number;
  batchSize: number;
}

/**
 * Deletes raw executions older than the raw retention and rollups older than theirs, in batches
 * (each its own short statement), so a month of backlog never holds a long lock against writers.
 * Rollups are untouched by raw deletes: they are kept much longer.
 */
export async function applyRetention(pool: Pool, settings: RetentionSettings, nowMs = Date.now()): Promise<{ executions: number; rollups: number }> {
  const rawBefore = new Date(nowMs - settings.rawMs);
  const rollupsBefore = new Date(nowMs - settings.rollupsMs);
  let executions = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM executions WHERE id IN (SELECT id FROM executions WHERE started_at < $1 ORDER BY started_at LIMIT $2)`,
      [rawBefore, settings.batchSize]
    );
    executions += rowCount ?? 0;
    if ((rowCount ?? 0) < settings.batchSize) {
      break;
    }
  }
  let rollups = 0;
  for (const table of ['execution_rollups_minute', 'execution_rollups_hour']) {
    // Minute rollups only need to outlive the raw rows they summarise at fine grain.
    const before = table === 'execution_rollups_minute' ? rawBefore : rollupsBefore;
    for (;;) {
      const { rowCount } = await pool.query(
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE bucket < $1 LIMIT $2)`,
        [before, settings.batchSize]
      );
      rollups += rowCount ?? 0;
      if ((rowCount ?? 0) < settings.batchSize) {
        break;
      }
    }
  }
  return { executions, rollups };
}
