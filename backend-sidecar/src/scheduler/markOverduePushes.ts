import { withTransaction, type Pool } from '../db/pool';
import { formatDuration } from '../schema/duration';
import { EXECUTION_STATUS, EXECUTION_TRIGGER, type ExecutionResult } from '../model/execution';
import { recordExecution } from '../store/recordExecution';

export interface MissedPush {
  executionId: number;
  result: ExecutionResult;
  /** The workflow's labels (for METRICS_LABELS). */
  labels: Record<string, string>;
}

/**
 * A push workflow that has not reported within its expected interval plus grace gets a failed
 * execution with trigger `missed` — the dead-man's switch cron-job owners ask for. The next check
 * moves one interval on, so a silent job fails once per interval, not on every tick. Rows are
 * locked with SKIP LOCKED so two replicas never record the same miss.
 */
export async function markOverduePushes(pool: Pool, opts: { workerId: string; location?: string; batch?: number }): Promise<MissedPush[]> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      id: string;
      push_expected_ms: number;
      push_grace_ms: number;
      next_slot_at: Date;
      last_push_at: Date | null;
      labels: Record<string, string>;
      now: Date;
    }>(
      `SELECT id, push_expected_ms, push_grace_ms, next_slot_at, last_push_at, labels, now() AS now FROM workflows
        WHERE mode = 'push' AND enabled AND deleted_at IS NULL AND next_slot_at <= now()
        ORDER BY next_slot_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [opts.batch ?? 200]
    );
    const missed: MissedPush[] = [];
    for (const w of rows) {
      const since = w.last_push_at ? `since ${w.last_push_at.toISOString()}` : 'since the workflow was defined';
      const result: ExecutionResult = {
        workflowId: w.id,
        status: EXECUTION_STATUS.failed,
        trigger: EXECUTION_TRIGGER.missed,
        startedAt: w.next_slot_at,
        finishedAt: w.now,
        durationMs: 0,
        errorType: 'timeout',
        errorMessage: `no result pushed ${since} (expected every ${formatDuration(w.push_expected_ms)}, grace ${formatDuration(w.push_grace_ms)})`,
        steps: [],
        ...(opts.location !== undefined ? { location: opts.location } : {}),
      };
      const recorded = await recordExecution(client, result, { workerId: opts.workerId });
      await client.query(`UPDATE workflows SET next_slot_at = $2 WHERE id = $1`, [
        w.id,
        new Date(w.now.getTime() + w.push_expected_ms),
      ]);
      if (recorded.executionId !== null) {
        missed.push({ executionId: recorded.executionId, result, labels: w.labels });
      }
    }
    return missed;
  });
}
