import type { Pool } from '../../src/db/pool';
import type { ExecutionResult, ExecutionStatus } from '../../src/model/execution';
import { recordExecution } from '../../src/store/recordExecution';

/** A workflow row as the API would store it (push mode: nothing schedules it behind the test's back). */
export async function createWorkflowRow(pool: Pool, id: string, opts: { name?: string; critical?: boolean; labels?: Record<string, string> } = {}): Promise<void> {
  await pool.query(
    `INSERT INTO workflows (id, name, source, definition, labels, critical, mode, push_expected_ms, push_grace_ms)
     VALUES ($1, $2, 'api', $3, $4, $5, 'push', 3600000, 60000)`,
    [id, opts.name ?? `Workflow ${id}`, JSON.stringify({ id }), JSON.stringify(opts.labels ?? {}), opts.critical ?? false]
  );
}

export interface RunSpec {
  status: ExecutionStatus;
  durationMs?: number;
  errorMessage?: string;
  /** Seconds before now that the run started (default: in order, one second apart). */
  agoS?: number;
  retries?: number;
  steps?: Array<{ name: string; durationMs: number; errorMessage?: string }>;
}

/** Stores executions through the real store (rollup trigger and all), oldest first. */
export async function recordRuns(pool: Pool, workflowId: string, runs: RunSpec[]): Promise<number[]> {
  const ids: number[] = [];
  const now = Date.now();
  for (const [i, run] of runs.entries()) {
    const startedAt = new Date(now - (run.agoS ?? runs.length - i) * 1000);
    const durationMs = run.durationMs ?? 100;
    const failed = run.status === 'failed';
    const steps = run.steps ?? [{ name: 'call', durationMs, ...(failed ? { errorMessage: run.errorMessage ?? 'target answered HTTP 503' } : {}) }];
    const result: ExecutionResult = {
      workflowId,
      status: run.status,
      trigger: 'push',
      startedAt,
      finishedAt: new Date(startedAt.getTime() + durationMs),
      durationMs,
      ...(failed ? { errorType: 'transient' as const, errorMessage: run.errorMessage ?? 'target answered HTTP 503' } : {}),
      steps: steps.map((s, position) => ({
        position,
        name: s.name,
        status: s.errorMessage ? ('failed' as const) : ('passed' as const),
        startedAt,
        durationMs: s.durationMs,
        ...(s.errorMessage ? { errorType: 'transient' as const, errorMessage: s.errorMessage } : {}),
        assertions: [],
        extracted: {},
        attempts: Array.from({ length: 1 + (run.retries ?? (run.status === 'degraded' ? 1 : 0)) }, (_, n) => ({
          number: n + 1,
          startedAt,
          durationMs: s.durationMs,
          delayMs: n === 0 ? 0 : 100,
          ...(n < (run.retries ?? (run.status === 'degraded' ? 1 : 0)) || s.errorMessage ? { errorType: 'transient' as const, errorMessage: s.errorMessage ?? 'HTTP 503' } : {}),
        })),
      })),
    };
    const recorded = await recordExecution(pool, result, { workerId: null });
    ids.push(recorded.executionId!);
  }
  return ids;
}

export const statuses = (pattern: string): RunSpec[] => [...pattern].map((c) => ({ status: c === 'F' ? 'failed' : c === 'D' ? 'degraded' : 'success' }));
