import { AppError } from '../errors/errors';
import { runWorkflow, type RunWorkflowOptions } from '../executor/runWorkflow';
import { EXECUTION_TRIGGER, type ExecutionResult } from '../model/execution';
import { BreakerRegistry } from '../retry/breakerRegistry';
import { toExecutionSummary } from '../store/executionQueries';
import type { WorkflowDefinition } from '../model/workflowDefinition';
import { executionRows } from '../store/recordExecution';

/** More dry runs in flight on this replica than DRY_RUN_CONCURRENCY allows. */
export class TooManyDryRunsError extends AppError {
  override readonly status = 429;
  override readonly code = 'too_many_dry_runs';
}

/** The sidecar began shutting down while the dry run was running. */
export class DryRunInterruptedError extends AppError {
  override readonly status = 503;
  override readonly code = 'shutting_down';
}

/** Seconds a refused caller is told to wait (Retry-After): dry runs are short, one usually ends within that. */
export const DRY_RUN_RETRY_AFTER_SECONDS = 1;

/** What runWorkflow calls a dry run of a definition sent without an id (spans, messages). */
const UNNAMED_WORKFLOW = 'dry-run';

/** A definition as a dry run takes it: `id` may be left out. */
export type DryRunDefinition = Omit<WorkflowDefinition, 'id'> & { id?: string };

/**
 * A stored execution as GET /api/v1/executions/{id} shows it, built from the rows a run would store
 * (`executionRows`: messages clipped, extracted variables by name only, a passed assertion without a
 * value) and read back the way the store reads them (`toExecutionSummary`), so a dry run never shows
 * more than a run stores. No `id`, `runId` or `workerId`: nothing is stored.
 */
export function toDryRunResult(result: ExecutionResult, workflowId: string | null) {
  const rows = executionRows(result);
  const { id: _id, runId: _runId, workerId: _workerId, ...summary } = toExecutionSummary({
    ...rows,
    id: 0,
    run_id: null,
    worker_id: null,
    started_at: result.startedAt,
    finished_at: result.finishedAt,
  });
  return {
    ...summary,
    workflowId,
    steps: rows.steps.map((step) => ({
      position: step.position,
      name: step.name,
      status: step.status,
      startedAt: step.started_at,
      durationMs: step.duration_ms,
      httpStatus: step.http_status,
      errorType: step.error_type,
      errorMessage: step.error_message,
      // Stored as jsonb, i.e. as the JSON text of these: the round trip drops what JSON drops.
      assertions: JSON.parse(JSON.stringify(step.assertions)) as unknown[],
      extracted: step.extracted,
      attempts: rows.step_attempts
        .filter((a) => a.step_position === step.position)
        .map((a) => ({
          number: a.number,
          startedAt: a.started_at,
          durationMs: a.duration_ms,
          delayMs: a.delay_ms,
          httpStatus: a.http_status,
          errorType: a.error_type,
          errorMessage: a.error_message,
          tls: a.tls,
        })),
    })),
  };
}

export type DryRunResult = ReturnType<typeof toDryRunResult>;

export interface DryRunnerOptions {
  /** DRY_RUN_CONCURRENCY: dry runs in flight at once on this replica; one more is refused. */
  concurrency: number;
  /** The workflows feature's step client (`StepHttpClient.send`): TARGET_DENYLIST / TARGET_ALLOWLIST apply. */
  send: NonNullable<RunWorkflowOptions['send']>;
  /** The feature's guarded TCP connector (`EgressGuard.connectTcp`), for tcp steps. */
  connectTcp?: RunWorkflowOptions['connectTcp'];
  /** Per-host breaker settings come from each definition; only the registry's size is the sidecar's. */
  breakerMaxHosts?: number;
  /** This replica's location: the dry run runs here, and says so. */
  location?: string;
}

/**
 * Runs a definition once, now, through the executor — retries, assertions, extraction, the
 * workflow's timeout as its deadline — and hands back the result without storing, publishing or
 * counting it. Each dry run has its own breaker registry, so neither a scheduled run's open breaker
 * fails a test fast nor a test's failures open one for the scheduled runs.
 */
export class DryRunner {
  private readonly running = new Set<AbortController>();
  private readonly finished = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly opts: DryRunnerOptions) {}

  /**
   * Throws TooManyDryRunsError when `concurrency` dry runs are in flight, DryRunInterruptedError
   * when the sidecar stops meanwhile. `signal` ends it early (the caller went away).
   */
  async run(definition: DryRunDefinition, signal?: AbortSignal): Promise<DryRunResult> {
    if (this.stopping) {
      throw new DryRunInterruptedError('the sidecar is shutting down; try the dry run again on a running replica');
    }
    if (this.running.size >= this.opts.concurrency) {
      throw new TooManyDryRunsError(
        `${this.running.size} dry runs are already in flight on this replica (DRY_RUN_CONCURRENCY=${this.opts.concurrency}); retry after ${DRY_RUN_RETRY_AFTER_SECONDS} s`,
        { inFlight: this.running.size, limit: this.opts.concurrency }
      );
    }
    const controller = new AbortController();
    const abort = () => controller.abort(signal?.reason);
    if (signal?.aborted) {
      abort();
    }
    signal?.addEventListener('abort', abort, { once: true });
    this.running.add(controller);
    const execution = runWorkflow(
      { ...definition, id: definition.id ?? UNNAMED_WORKFLOW },
      {
        trigger: EXECUTION_TRIGGER.manual,
        breakers: new BreakerRegistry(Date.now, { maxHosts: this.opts.breakerMaxHosts, location: this.opts.location }),
        signal: controller.signal,
        send: this.opts.send,
        location: this.opts.location,
        connectTcp: this.opts.connectTcp,
      }
    );
    this.finished.add(execution);
    try {
      const result = await execution;
      // Only a run the shutdown cut short: one that finished on its own meanwhile is still answered.
      if (this.stopping && controller.signal.aborted) {
        throw new DryRunInterruptedError('the sidecar began shutting down during the dry run, which was stopped; run it again');
      }
      return toDryRunResult(result, definition.id ?? null);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.running.delete(controller);
      this.finished.delete(execution);
    }
  }

  /** Ends every dry run in flight (their callers get 503) and waits for them; refuses new ones. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const controller of this.running) {
      controller.abort(new DOMException('the sidecar is shutting down', 'AbortError'));
    }
    await Promise.allSettled([...this.finished]);
  }
}
