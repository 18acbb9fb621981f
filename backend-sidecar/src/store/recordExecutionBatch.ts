import type { Pool } from '../db/pool';
import type { ExecutionResult } from '../model/execution';
import { attemptRows, attemptTotals, clip, stepRows, type RecordedExecution } from './recordExecution';

/**
 * Many scheduled results in ONE statement: the per-statement costs (parse, plan, the rollup
 * trigger's transition table and upserts) are paid once per batch instead of once per execution.
 * Rows are matched back to their input by run_id, which is unique, so only results of scheduled
 * runs go through here.
 */
const BATCH_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
    k int, workflow_id text, run_id bigint, trigger text, status text, started_at timestamptz, finished_at timestamptz,
    duration_ms int, step_count int, attempts int, retries int, error_type text, error_message text, failed_step text,
    worker_id text, steps jsonb, step_attempts jsonb, errors_by_type int[], retries_by_type int[])
), exec AS (
  INSERT INTO executions (workflow_id, run_id, trigger, status, started_at, finished_at, duration_ms, step_count,
                          attempts, retries, error_type, error_message, failed_step, worker_id, errors_by_type, retries_by_type)
  SELECT workflow_id, run_id, trigger, status, started_at, finished_at, duration_ms, step_count, attempts, retries,
         error_type, error_message, failed_step, worker_id, errors_by_type, retries_by_type
    FROM input ORDER BY k
  ON CONFLICT (run_id) DO NOTHING
  RETURNING id, run_id
), matched AS (
  SELECT exec.id, input.steps, input.step_attempts FROM exec JOIN input ON input.run_id = exec.run_id
), steps AS (
  INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms, http_status,
                               error_type, error_message, assertions, extracted)
  SELECT m.id, s.position, s.name, s.status, s.started_at, s.duration_ms, s.http_status, s.error_type, s.error_message,
         coalesce(s.assertions, '[]'::jsonb), coalesce(s.extracted, '[]'::jsonb)
    FROM matched m, jsonb_to_recordset(m.steps) AS s(position int, name text, status text, started_at timestamptz,
         duration_ms int, http_status int, error_type text, error_message text, assertions jsonb, extracted jsonb)
), attempts AS (
  INSERT INTO step_attempts (execution_id, step_position, number, started_at, duration_ms, delay_ms, http_status,
                             error_type, error_message)
  SELECT m.id, a.step_position, a.number, a.started_at, a.duration_ms, a.delay_ms, a.http_status, a.error_type, a.error_message
    FROM matched m, jsonb_to_recordset(m.step_attempts) AS a(step_position int, number int, started_at timestamptz,
         duration_ms int, delay_ms int, http_status int, error_type text, error_message text)
), runs AS (
  UPDATE scheduled_runs r
     SET state = 'done', finished_at = now(), execution_id = coalesce(r.execution_id, e.id), locked_until = NULL
    FROM input LEFT JOIN exec e ON e.run_id = input.run_id
   WHERE r.id = input.run_id AND r.state <> 'done'
)
SELECT input.k, exec.id FROM input LEFT JOIN exec ON exec.run_id = input.run_id ORDER BY input.k`;

export async function recordExecutionBatch(
  db: Pool,
  items: Array<{ result: ExecutionResult; runId: number; workerId: string | null }>
): Promise<RecordedExecution[]> {
  const totals = items.map((item) => attemptTotals(item.result));
  const input = items.map(({ result, runId, workerId }, k) => ({
    k,
    workflow_id: result.workflowId,
    run_id: runId,
    trigger: result.trigger,
    status: result.status,
    started_at: result.startedAt.toISOString(),
    finished_at: result.finishedAt.toISOString(),
    duration_ms: Math.round(result.durationMs),
    step_count: result.steps.length,
    attempts: totals[k]!.attempts,
    retries: totals[k]!.retries,
    error_type: result.errorType ?? null,
    error_message: clip(result.errorMessage),
    failed_step: result.steps.find((s) => s.status === 'failed')?.name ?? null,
    worker_id: workerId,
    steps: stepRows(result),
    step_attempts: attemptRows(result),
    errors_by_type: totals[k]!.errorsByType,
    retries_by_type: totals[k]!.retriesByType,
  }));
  const { rows } = await db.query<{ k: number; id: number | null }>(BATCH_SQL, [JSON.stringify(input)]);
  return rows.map((row) => ({ executionId: row.id, attempts: totals[row.k]!.attempts, retries: totals[row.k]!.retries }));
}

/**
 * Collects results finished at about the same moment and writes them together, group-commit
 * style: at most `maxWriters` batch statements are in flight; results arriving meanwhile wait and
 * go out together in the next one (up to `maxBatch`). A lone result is written on the next turn of
 * the event loop, so under light load nothing waits; under heavy load batches grow by themselves,
 * and the per-statement costs (planning, the rollup trigger, the round trip) are paid once for
 * many executions.
 */
export class ExecutionBatcher {
  private pending: Array<{ item: { result: ExecutionResult; runId: number; workerId: string | null }; resolve: (r: RecordedExecution) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private writers = 0;

  constructor(private readonly pool: Pool, private readonly maxBatch = 100, private readonly maxWriters = 2) {}

  record(result: ExecutionResult, runId: number, workerId: string | null): Promise<RecordedExecution> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item: { result, runId, workerId }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.scheduled && this.writers < this.maxWriters && this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) {
      return;
    }
    this.writers += 1;
    try {
      const recorded = await recordExecutionBatch(this.pool, batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(recorded[i]!));
    } catch (error) {
      batch.forEach((b) => b.reject(error));
    } finally {
      this.writers -= 1;
      this.schedule();
    }
  }
}
