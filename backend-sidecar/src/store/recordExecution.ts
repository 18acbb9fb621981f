import type { Pool, PoolClient } from '../db/pool';
import { ERROR_TYPES, STEP_STATUS, type ExecutionResult } from '../model/execution';
import { truncateText } from '../model/truncateText';
import { RUN_STATE } from '../model/runState';
import { DEFAULT_LOCATION } from '../model/location';

export interface RecordedExecution {
  /** Null when the slot already had a result (a worker that lost its lease finished late). */
  executionId: number | null;
  attempts: number;
  retries: number;
}

function clip(text: string | undefined, max = 2000): string | null {
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
function attemptTotals(result: ExecutionResult): { attempts: number; retries: number; errorsByType: number[] | null; retriesByType: number[] | null } {
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
function stepRows(result: ExecutionResult) {
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
function attemptRows(result: ExecutionResult) {
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
      tls: a.tls ?? null,
    }))
  );
}

/**
 * What is stored of a result: the execution's row with its step and attempt rows, as the recording
 * statement reads them — messages clipped, durations whole milliseconds, extracted variables by name
 * only. A dry run shows exactly this (workflows/dryRun.ts), so it can never show more than a run stores.
 */
export function executionRows(result: ExecutionResult) {
  const totals = attemptTotals(result);
  return {
    workflow_id: result.workflowId,
    trigger: result.trigger,
    status: result.status,
    started_at: result.startedAt.toISOString(),
    finished_at: result.finishedAt.toISOString(),
    duration_ms: Math.round(result.durationMs),
    step_count: result.steps.length,
    attempts: totals.attempts,
    retries: totals.retries,
    error_type: result.errorType ?? null,
    error_message: clip(result.errorMessage),
    failed_step: result.steps.find((s) => s.status === STEP_STATUS.failed)?.name ?? null,
    steps: stepRows(result),
    step_attempts: attemptRows(result),
    errors_by_type: totals.errorsByType,
    retries_by_type: totals.retriesByType,
    location: result.location ?? DEFAULT_LOCATION,
  };
}

export type ExecutionRows = ReturnType<typeof executionRows>;

/**
 * Executions, their steps and attempts, and their slots' completion, in ONE statement (data-modifying
 * CTEs): one round trip for many results, atomic without an explicit transaction, and the
 * per-statement costs (parse, plan, the rollup trigger's transition table and upserts) paid once per
 * batch. A single execution is a batch of one (recordExecution). Each row's id is drawn from the
 * sequence up front so steps and attempts find their execution whether or not it has a slot; `run_id
 * UNIQUE` makes "one result per slot" a database guarantee rather than a promise of the worker.
 */
const BATCH_SQL = `
WITH input AS MATERIALIZED (
  SELECT nextval('executions_id_seq') AS id, i.* FROM jsonb_to_recordset($1::jsonb) AS i(
    k int, workflow_id text, run_id bigint, trigger text, status text, started_at timestamptz, finished_at timestamptz,
    duration_ms int, step_count int, attempts int, retries int, error_type text, error_message text, failed_step text,
    worker_id text, steps jsonb, step_attempts jsonb, errors_by_type int[], retries_by_type int[], location text)
), exec AS (
  INSERT INTO executions (id, workflow_id, run_id, trigger, status, started_at, finished_at, duration_ms, step_count,
                          attempts, retries, error_type, error_message, failed_step, worker_id, errors_by_type, retries_by_type, location)
  SELECT id, workflow_id, run_id, trigger, status, started_at, finished_at, duration_ms, step_count, attempts, retries,
         error_type, error_message, failed_step, worker_id, errors_by_type, retries_by_type, location
    FROM input ORDER BY k
  ON CONFLICT (run_id) DO NOTHING
  RETURNING id
), matched AS (
  SELECT input.id, input.steps, input.step_attempts FROM exec JOIN input ON input.id = exec.id
), steps AS (
  INSERT INTO execution_steps (execution_id, position, name, status, started_at, duration_ms, http_status,
                               error_type, error_message, assertions, extracted)
  SELECT m.id, s.position, s.name, s.status, s.started_at, s.duration_ms, s.http_status, s.error_type, s.error_message,
         coalesce(s.assertions, '[]'::jsonb), coalesce(s.extracted, '[]'::jsonb)
    FROM matched m, jsonb_to_recordset(m.steps) AS s(position int, name text, status text, started_at timestamptz,
         duration_ms int, http_status int, error_type text, error_message text, assertions jsonb, extracted jsonb)
), attempts AS (
  INSERT INTO step_attempts (execution_id, step_position, number, started_at, duration_ms, delay_ms, http_status,
                             error_type, error_message, tls)
  SELECT m.id, a.step_position, a.number, a.started_at, a.duration_ms, a.delay_ms, a.http_status, a.error_type, a.error_message, a.tls
    FROM matched m, jsonb_to_recordset(m.step_attempts) AS a(step_position int, number int, started_at timestamptz,
         duration_ms int, delay_ms int, http_status int, error_type text, error_message text, tls jsonb)
), runs AS (
  UPDATE scheduled_runs r
     SET state = '${RUN_STATE.done}', finished_at = now(), execution_id = coalesce(r.execution_id, e.id), locked_until = NULL
    FROM input LEFT JOIN exec e ON e.id = input.id
   WHERE r.id = input.run_id AND r.state <> '${RUN_STATE.done}'
)
SELECT input.k, exec.id FROM input LEFT JOIN exec ON exec.id = input.id ORDER BY input.k`;

export async function recordExecutionBatch(
  db: Pool | PoolClient,
  items: Array<{ result: ExecutionResult; runId: number | null; workerId: string | null }>
): Promise<RecordedExecution[]> {
  const input = items.map(({ result, runId, workerId }, k) => ({ k, ...executionRows(result), run_id: runId, worker_id: workerId }));
  const { rows } = await db.query<{ k: number; id: number | null }>(BATCH_SQL, [JSON.stringify(input)]);
  return rows.map((row) => ({ executionId: row.id, attempts: input[row.k]!.attempts, retries: input[row.k]!.retries }));
}

/** One execution: a batch of one, through the same statement (recordExecutionBatch.ts). */
export async function recordExecution(
  db: Pool | PoolClient,
  result: ExecutionResult,
  opts: { runId?: number | null; workerId?: string | null } = {}
): Promise<RecordedExecution> {
  const [recorded] = await recordExecutionBatch(db, [{ result, runId: opts.runId ?? null, workerId: opts.workerId ?? null }]);
  return recorded!;
}
