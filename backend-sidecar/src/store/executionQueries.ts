import type { Pool } from '../db/pool';
import type { ErrorType, ExecutionStatus, ExecutionTrigger } from '../model/execution';

interface ExecutionRow {
  id: number;
  workflow_id: string;
  run_id: number | null;
  trigger: string;
  status: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  step_count: number;
  attempts: number;
  retries: number;
  error_type: string | null;
  error_message: string | null;
  failed_step: string | null;
  worker_id: string | null;
  location: string;
}

export function toExecutionSummary(row: ExecutionRow) {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    trigger: row.trigger as ExecutionTrigger,
    status: row.status as ExecutionStatus,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at.toISOString(),
    durationMs: row.duration_ms,
    stepCount: row.step_count,
    attempts: row.attempts,
    retries: row.retries,
    errorType: row.error_type as ErrorType | null,
    errorMessage: row.error_message,
    failedStep: row.failed_step,
    workerId: row.worker_id,
    location: row.location,
  };
}

export type ExecutionSummary = ReturnType<typeof toExecutionSummary>;

/**
 * Newest first, keyset-paged by id (ids grow with insertion, and an execution is inserted when it
 * finishes), so page N costs the same as page 1.
 */
export async function listExecutions(
  pool: Pool,
  filter: { workflowId: string; status?: string[]; locations?: string[]; from?: Date; to?: Date; limit: number; cursor?: number }
): Promise<{ executions: ExecutionSummary[]; nextCursor: string | null }> {
  const params: unknown[] = [filter.workflowId];
  const where = ['workflow_id = $1'];
  if (filter.status) {
    params.push(filter.status);
    where.push(`status = ANY($${params.length}::text[])`);
  }
  if (filter.locations) {
    params.push(filter.locations);
    where.push(`location = ANY($${params.length}::text[])`);
  }
  if (filter.from) {
    params.push(filter.from);
    where.push(`started_at >= $${params.length}`);
  }
  if (filter.to) {
    params.push(filter.to);
    where.push(`started_at < $${params.length}`);
  }
  if (filter.cursor !== undefined) {
    params.push(filter.cursor);
    where.push(`id < $${params.length}`);
  }
  params.push(filter.limit + 1);
  const { rows } = await pool.query<ExecutionRow>(
    `SELECT * FROM executions WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params
  );
  const page = rows.slice(0, filter.limit);
  return {
    executions: page.map(toExecutionSummary),
    nextCursor: rows.length > filter.limit ? String(page[page.length - 1]!.id) : null,
  };
}

export async function getExecutionSummary(pool: Pool, id: number): Promise<ExecutionSummary | undefined> {
  const { rows } = await pool.query<ExecutionRow>('SELECT * FROM executions WHERE id = $1', [id]);
  return rows[0] ? toExecutionSummary(rows[0]) : undefined;
}

/** One execution with its steps and each step's attempts, in one round trip. */
export async function getExecutionDetail(pool: Pool, id: number) {
  const { rows } = await pool.query<ExecutionRow & { steps: unknown }>(
    `SELECT e.*, coalesce((
       SELECT jsonb_agg(jsonb_build_object(
         'position', s.position, 'name', s.name, 'status', s.status,
         'startedAt', to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'durationMs', s.duration_ms, 'httpStatus', s.http_status, 'errorType', s.error_type,
         'errorMessage', s.error_message, 'assertions', s.assertions, 'extracted', s.extracted,
         'attempts', coalesce((
           SELECT jsonb_agg(jsonb_build_object(
             'number', a.number,
             'startedAt', to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'durationMs', a.duration_ms, 'delayMs', a.delay_ms, 'httpStatus', a.http_status,
             'errorType', a.error_type, 'errorMessage', a.error_message, 'tls', a.tls) ORDER BY a.number)
           FROM step_attempts a WHERE a.execution_id = s.execution_id AND a.step_position = s.position), '[]'::jsonb)
       ) ORDER BY s.position)
       FROM execution_steps s WHERE s.execution_id = e.id), '[]'::jsonb) AS steps
     FROM executions e WHERE e.id = $1`,
    [id]
  );
  const row = rows[0];
  if (!row) {
    return undefined;
  }
  return { ...toExecutionSummary(row), steps: row.steps as Array<Record<string, unknown>> };
}
