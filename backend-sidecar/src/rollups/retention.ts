import type { Pool } from '../db/pool';
import { RUN_STATE } from '../model/runState';

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
/** Finished slots are coordination rows, not history (the execution is the record): kept a day. */
export const FINISHED_RUNS_KEEP_MS = 86_400_000;

async function deleteInBatches(pool: Pool, sql: string, before: Date, batchSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(sql, [before, batchSize]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) {
      return deleted;
    }
  }
}

export async function applyRetention(pool: Pool, settings: RetentionSettings, nowMs = Date.now()): Promise<{ executions: number; rollups: number; runs: number; notifications: number; alerts: number }> {
  const rawBefore = new Date(nowMs - settings.rawMs);
  const rollupsBefore = new Date(nowMs - settings.rollupsMs);
  const executions = await deleteInBatches(
    pool,
    `DELETE FROM executions WHERE id IN (SELECT id FROM executions WHERE started_at < $1 ORDER BY started_at LIMIT $2)`,
    rawBefore,
    settings.batchSize
  );
  const runs = await deleteInBatches(
    pool,
    `DELETE FROM scheduled_runs WHERE id IN (SELECT id FROM scheduled_runs WHERE state IN ('${RUN_STATE.done}', '${RUN_STATE.missed}', '${RUN_STATE.cancelled}') AND finished_at < $1 ORDER BY finished_at LIMIT $2)`,
    new Date(nowMs - Math.min(settings.rawMs, FINISHED_RUNS_KEEP_MS)),
    settings.batchSize
  );
  // Delivered and failed notifications (with their attempts) live as long as raw executions;
  // alerts and their history as long as rollups (annotations and the alert list read them).
  const notifications = await deleteInBatches(
    pool,
    `DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE state IN ('delivered', 'failed') AND created_at < $1 LIMIT $2)`,
    rawBefore,
    settings.batchSize
  );
  const alerts = await deleteInBatches(
    pool,
    `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < $1 LIMIT $2)`,
    rollupsBefore,
    settings.batchSize
  );
  let rollups = 0;
  for (const table of ['execution_rollups_minute', 'execution_rollups_hour', 'execution_rollups_day', 'missed_slot_rollups_minute', 'missed_slot_rollups_hour', 'missed_slot_rollups_day']) {
    // Minute rollups only need to outlive the raw rows they summarise at fine grain.
    const before = table.endsWith('_minute') ? rawBefore : rollupsBefore;
    rollups += await deleteInBatches(pool, `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE bucket < $1 LIMIT $2)`, before, settings.batchSize);
  }
  return { executions, rollups, runs, notifications, alerts };
}
