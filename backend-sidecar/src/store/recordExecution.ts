import type { Pool, PoolClient } from '../db/pool';
import { ERROR_TYPES, type ExecutionResult } from '../model/execution';
import { truncateText } from '../model/truncateText';

export interface RecordedExecution {
  /** Null when the slot already had a result (a worker that lost its lease finished late). */
  executionId: number | null;
  attempts: number;
  retries: number;
}

/**
 * The execution, its steps and their attempts, and the slot's completion are written in ONE
 * statement (data-modifying CTEs): one round trip per execution, atomic without an explicit
 * transaction, and `run_id UNIQUE` makes "one result per slot" a database guarantee rather than
 * a promise of the worker. Rollups are maintained by a statement-level trigger on the same write.
 */
const RECORD_SQL = `
WITH exec AS (
  INSERT INTO executions (workflow_id, run_id, trigger, status, started_at, finished_at, duration_ms,
                          step_count, attempts, retries, error_type, error_message, failed_step, worker_id,
                          errors_by_type, retries_by_type)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $17, $18)
  ON CONFLICT (run_id) DO NOTHING
  RETURNING id
), steps AS (
  INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms, http_status,
                               error_type, error_message, assertions, extracted)
  SELECT exec.id, s.position, s.name, s.status, s.started_at, s.duration_ms, s.http_status,
         s.error_type, s.error_message, coalesce(s.assertions, '[]'::jsonb), coalesce(s.extracted, '[]'::jsonb)
  FROM exec, jsonb_to_recordset($15::jsonb) AS s(position int, name text, status text, started_at timestamptz,
       duration_ms int, http_status int, error_type text, error_message text, assertions jsonb, extracted jsonb)
), attempts AS (
  INSERT INTO step_attempts (execution_id, step_position, number, started_at, duration_ms, delay_ms, http_status,
                             error_type, error_message)
  SELECT exec.id, a.step_position, a.number, a.started_at, a.duration_ms, a.delay_ms, a.http_status,
         a.error_type, a.error_message
  FROM exec, jsonb_to_recordset($16::jsonb) AS a(step_position int, number int, started_at timestamptz,
       duration_ms int, delay_ms int, http_status int, error_type text, error_message text)
), run AS (
  UPDATE scheduled_runs r
     SET state = 'done', finished_at = now(), execution_id = coalesce(r.execution_id, (SELECT id FROM exec)),
         locked_until = NULL
   WHERE r.id = $2 AND r.state <> 'done'
)
SELECT id FROM exec`;

export function clip(text: string | undefined, max = 2000): string | null {
  if (text === undefined) {
    return null;
  }
  return truncateText(text, max);
}

/**
 * Counts attempts and retries (attempts beyond the first of each step) of a result, and by error
 * type (in ERROR_TYPES order): failed attempts by their error, retries by the error that caused
 * them (the attempt before). A type array is null when all its counts are zero (most executions).
 */
export function attemptTotals(result: ExecutionResult): { attempts: number; retries: number; errorsByType: number[] | null; retriesByType: number[] | null } {
  let attempts = 0;
  let retries = 0;
  const errors = ERROR_TYPES.map(() => 0);
  const retried = ERROR_TYPES.map(() => 0);
  for (const step of result.steps) {
    attempts += step.attempts.length;
    retries += Math.max(0, step.attempts.length - 1);
    step.attempts.forEach((attempt, i) => {
      const type = attempt.errorType ? ERROR_TYPES.indexOf(attempt.errorType) : -1;
      if (type >= 0) {
        errors[type]! += 1;
        if (i < step.attempts.length - 1) {
          retried[type]! += 1;
        }
      }
    });
  }
  return { attempts, retries, errorsByType: orNull(errors), retriesByType: orNull(retried) };
}

function orNull(counts: number[]): number[] | null {
  return counts.some((n) => n > 0) ? counts : null;
}

/** Step rows as the recording statements read them (jsonb_to_recordset). */
export function stepRows(result: ExecutionResult) {
  return result.steps.map((s) => ({
    position: s.position,
    name: s.name,
    status: s.status,
    started_at: s.startedAt.toISOString(),
    duration_ms: Math.round(s.durationMs),
    http_status: s.httpStatus ?? null,
    error_type: s.errorType ?? null,
    error_message: clip(s.errorMessage),
    assertions: s.assertions,
    // Values may be credentials (tokens): only the names are kept.
    extracted: Object.keys(s.extracted),
  }));
}

/** Attempt rows of every step, as the recording statements read them. */
export function attemptRows(result: ExecutionResult) {
  return result.steps.flatMap((s) =>
    s.attempts.map((a) => ({
      step_position: s.position,
      number: a.number,
      started_at: a.startedAt.toISOString(),
      duration_ms: Math.round(a.durationMs),
      delay_ms: Math.round(a.delayMs),
      http_status: a.httpStatus ?? null,
      error_type: a.errorType ?? null,
      error_message: clip(a.errorMessage),
    }))
  );
}

export async function recordExecution(
  db: Pool | PoolClient,
  result: ExecutionResult,
  opts: { runId?: number | null; workerId?: string | null } = {}
): Promise<RecordedExecution> {
  const { attempts, retries, errorsByType, retriesByType } = attemptTotals(result);
  const failedStep = result.steps.find((s) => s.status === 'failed')?.name ?? null;
  const steps = stepRows(result);
  const stepAttempts = attemptRows(result);
  const { rows } = await db.query<{ id: number }>(RECORD_SQL, [
    result.workflowId,
    opts.runId ?? null,
    result.trigger,
    result.status,
    result.startedAt,
    result.finishedAt,
    Math.round(result.durationMs),
    result.steps.length,
    attempts,
    retries,
    result.errorType ?? null,
    clip(result.errorMessage),
    failedStep,
    opts.workerId ?? null,
    JSON.stringify(steps),
    JSON.stringify(stepAttempts),
    errorsByType,
    retriesByType,
  ]);
  return { executionId: rows[0]?.id ?? null, attempts, retries };
}
