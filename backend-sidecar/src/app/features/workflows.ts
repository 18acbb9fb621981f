import path from 'node:path';
import type { Feature, FeatureFactory, SidecarContext } from '../feature';
import { withTransaction } from '../../db/pool';
import { ConflictError, NotFoundError, coerceError } from '../../errors/errors';
import type { ExecutionRecorded } from '../../events/sidecarEvents';
import { StepHttpClient } from '../../executor/httpRequest';
import { runWorkflow } from '../../executor/runWorkflow';
import { EngineMetrics } from '../../metrics/engineMetrics';
import type { ExecutionResult } from '../../model/execution';
import { EgressGuard } from '../../net/egressGuard';
import { BreakerRegistry, registerBreakerMetrics } from '../../retry/breakerRegistry';
import type { ClaimedRun } from '../../scheduler/claimDueRuns';
import { Scheduler } from '../../scheduler/scheduler';
import { getExecutionSummary } from '../../store/executionQueries';
import { recordExecution } from '../../store/recordExecution';
import { ExecutionBatcher } from '../../store/recordExecutionBatch';
import { startTracing } from '../../tracing/tracing';
import { parseWorkflowDefinition, type WorkflowDefinition } from '../../model/workflowDefinition';
import { WorkflowFileSync } from '../../workflows/workflowFileSync';
import { vetStoredWorkflows } from '../../workflows/vetStoredWorkflows';
import { registerWorkflowRoutes } from '../../workflows/workflowRoutes';
import { pushGraceMs } from '../../workflows/workflowStore';

/** The demo workflows shipped with the package, used by `npm start` when WORKFLOWS_DIR is unset. */
export const DEMO_WORKFLOWS_DIR = path.resolve(__dirname, '../../demo/workflows');

export function workflowsDirectory(ctx: Pick<SidecarContext, 'config'>): string | undefined {
  return ctx.config.WORKFLOWS_DIR ? path.resolve(ctx.config.WORKFLOWS_DIR) : ctx.config.demo ? DEMO_WORKFLOWS_DIR : undefined;
}

function toRecordedEvent(executionId: number, result: ExecutionResult, attempts: number, retries: number): ExecutionRecorded {
  return {
    executionId,
    workflowId: result.workflowId,
    status: result.status,
    trigger: result.trigger,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    attempts,
    retries,
    errorType: result.errorType,
    errorMessage: result.errorMessage,
    steps: result.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, errorType: s.errorType, errorMessage: s.errorMessage })),
  };
}

/** One readable line per execution: what a newcomer watching `npm start` wants to see. */
export function describeExecution(result: ExecutionResult): string {
  const attempts = result.steps.flatMap((s) => s.attempts);
  const errors = attempts.flatMap((a) => (a.errorType ? [a.errorType] : []));
  const retryText = errors.length > 0 ? ` (${errors.join(', ')})` : '';
  const failure = result.status === 'failed' && result.errorMessage ? ` — ${result.errorMessage}` : '';
  return `${result.workflowId}: ${result.status}, ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}${retryText}, ${Math.round(result.durationMs)} ms${failure}`;
}

/**
 * Workflows end to end on this replica: definitions (files + API), the durable scheduler, the
 * executor, recording, and the executionRecorded event the alert engine listens to.
 */
export const workflowsFeature: FeatureFactory = async (ctx): Promise<Feature> => {
  const { pool, log, config } = ctx;
  const breakers = new BreakerRegistry(Date.now, { maxHosts: config.BREAKER_MAX_HOSTS });
  const http = new StepHttpClient(new EgressGuard(config.TARGET_DENYLIST, config.TARGET_ALLOWLIST));
  registerBreakerMetrics(ctx.metrics.registry, breakers);
  const tracing = startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'workflow-monitor-sidecar', log });
  const definitions = new Map<string, { version: number; definition: WorkflowDefinition }>();
  let scheduler: Scheduler | undefined;
  const metrics = new EngineMetrics(ctx.metrics.registry, () => scheduler?.running ?? 0);

  const dir = workflowsDirectory(ctx);
  const files = dir ? new WorkflowFileSync({ pool, log, dir, env: process.env, maxWorkflows: config.MAX_WORKFLOWS, onChange: () => scheduler?.wake() }) : undefined;
  await files?.sync();
  await vetStoredWorkflows(pool, log);

  const published = (executionId: number, result: ExecutionResult, attempts: number, retries: number) => {
    metrics.observe(result);
    const line = describeExecution(result);
    if (result.status === 'failed') {
      log.warn({ executionId, workflowId: result.workflowId, status: result.status }, line);
    } else {
      log.info({ executionId, workflowId: result.workflowId, status: result.status }, line);
    }
    try {
      ctx.events.emit('executionRecorded', toRecordedEvent(executionId, result, attempts, retries));
    } catch (error) {
      log.error({ err: coerceError(error), executionId }, 'an executionRecorded listener failed');
    }
  };

  const definitionOf = (run: ClaimedRun): WorkflowDefinition | string => {
    const cached = definitions.get(run.workflowId);
    if (cached && cached.version === run.version) {
      return cached.definition;
    }
    // Only a definition that came from a file may read the environment (see requestEnv.ts).
    const parsed = parseWorkflowDefinition(run.definition, run.source === 'file' ? { source: 'file', env: process.env } : { source: 'api' });
    if (!parsed.ok) {
      return parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    }
    definitions.set(run.workflowId, { version: run.version, definition: parsed.definition });
    return parsed.definition;
  };

  const execute = async (run: ClaimedRun, signal: AbortSignal): Promise<ExecutionResult> => {
    const definition = definitionOf(run);
    const trigger = run.kind === 'manual' ? 'manual' : 'schedule';
    if (typeof definition === 'string') {
      const now = new Date();
      return { workflowId: run.workflowId, status: 'failed', trigger, startedAt: now, finishedAt: now, durationMs: 0, errorType: 'permanent', errorMessage: `stored definition no longer validates: ${definition}`, steps: [] };
    }
    return runWorkflow(definition, { trigger, breakers, signal, tracer: tracing.tracer, send: http.send, env: run.source === 'file' ? process.env : undefined });
  };

  const batcher = new ExecutionBatcher(pool);
  const record = async (run: ClaimedRun, result: ExecutionResult) => {
    const recorded = await batcher.record(result, run.id, ctx.workerId);
    if (recorded.executionId === null) {
      log.warn({ runId: run.id, workflowId: run.workflowId }, 'slot already had a result (this worker lost its lease); discarded the late one');
      return;
    }
    published(recorded.executionId, result, recorded.attempts, recorded.retries);
  };

  if (config.SCHEDULER) {
    scheduler = new Scheduler({
      pool,
      log,
      workerId: ctx.workerId,
      concurrency: config.SCHEDULER_CONCURRENCY,
      pollIntervalMs: config.SCHEDULER_POLL_INTERVAL,
      leaseMs: config.SCHEDULER_LEASE,
      misfireMs: config.SCHEDULER_MISFIRE,
      horizonMs: config.SCHEDULER_HORIZON,
      execute,
      record,
      onStarted: (_run, lagMs) => metrics.schedulerLag.observe(lagMs / 1000),
      onMissedPush: ({ executionId, result }) => published(executionId, result, 0, 0),
    });
  }

  const recordPush: Parameters<typeof registerWorkflowRoutes>[1]['recordPush'] = async (body) => {
    const finishedAt = body.finishedAt ?? new Date();
    const durationMs = body.durationMs ?? (body.startedAt ? Math.max(0, finishedAt.getTime() - body.startedAt.getTime()) : 0);
    const startedAt = body.startedAt ?? new Date(finishedAt.getTime() - durationMs);
    let cursor = startedAt.getTime();
    const failed = body.steps?.find((s) => s.status === 'failed');
    const result: ExecutionResult = {
      workflowId: body.workflowId,
      status: body.status,
      trigger: 'push',
      startedAt,
      finishedAt,
      durationMs,
      errorType: body.errorType ?? failed?.errorType ?? (body.status === 'failed' ? 'unknown' : undefined),
      errorMessage: body.errorMessage ?? failed?.errorMessage,
      steps: (body.steps ?? []).map((s, position) => {
        const stepStart = new Date(cursor);
        cursor += s.durationMs;
        return {
          position,
          name: s.name,
          status: s.status,
          startedAt: stepStart,
          durationMs: s.durationMs,
          httpStatus: s.httpStatus,
          errorType: s.errorType,
          errorMessage: s.errorMessage,
          assertions: [],
          extracted: {},
          attempts: s.status === 'skipped' ? [] : [{ number: 1, startedAt: stepStart, durationMs: s.durationMs, delayMs: 0, httpStatus: s.httpStatus, errorType: s.status === 'failed' ? (s.errorType ?? 'unknown') : undefined, errorMessage: s.errorMessage }],
        };
      }),
    };
    const recorded = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ mode: string; push_expected_ms: number | null; push_grace_ms: number | null }>(
        'SELECT mode, push_expected_ms, push_grace_ms FROM workflows WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
        [body.workflowId]
      );
      const workflow = rows[0];
      if (!workflow) {
        throw new NotFoundError(`workflow "${body.workflowId}" does not exist; define it with schedule: { push: { expected: ... } }`);
      }
      if (workflow.mode !== 'push') {
        throw new ConflictError(`workflow "${body.workflowId}" is scheduled by the sidecar; only push workflows accept pushed results`, undefined, 'not_push_workflow');
      }
      const stored = await recordExecution(client, result, { workerId: null });
      const expected = workflow.push_expected_ms ?? 0;
      const grace = workflow.push_grace_ms ?? pushGraceMs({ expected });
      await client.query(
        `UPDATE workflows SET last_push_at = greatest(coalesce(last_push_at, $2), $2),
                next_slot_at = greatest(coalesce(last_push_at, $2), $2) + make_interval(secs => $3 / 1000.0)
          WHERE id = $1`,
        [body.workflowId, finishedAt, expected + grace]
      );
      return stored;
    });
    published(recorded.executionId!, result, recorded.attempts, recorded.retries);
    return (await getExecutionSummary(pool, recorded.executionId!))!;
  };

  return {
    name: 'workflows',
    routes: (routes) =>
      registerWorkflowRoutes(routes, {
        pool,
        maxWorkflows: config.MAX_WORKFLOWS,
        loadErrors: () => files?.loadErrors ?? [],
        wake: () => scheduler?.wake(),
        recordPush,
      }),
    start: () => {
      files?.watch();
      scheduler?.start();
    },
    stop: async () => {
      await files?.stop();
      await scheduler?.stop();
      await http.close();
      await tracing.shutdown();
    },
  };
};
