import path from 'node:path';
import type { Feature, FeatureFactory, SidecarContext } from '../feature';
import { coerceError } from '../../errors/errors';
import { StepHttpClient } from '../../executor/httpRequest';
import { describeExecution } from '../../executor/describeExecution';
import { runWorkflow } from '../../executor/runWorkflow';
import { EngineMetrics } from '../../metrics/engineMetrics';
import { EXECUTION_STATUS, EXECUTION_TRIGGER, type ExecutionResult } from '../../model/execution';
import { RUN_KIND } from '../../model/runState';
import { EgressGuard } from '../../net/egressGuard';
import { BreakerRegistry, registerBreakerMetrics } from '../../retry/breakerRegistry';
import type { ClaimedRun } from '../../scheduler/claimDueRuns';
import { Scheduler } from '../../scheduler/scheduler';
import { getExecutionSummary } from '../../store/executionQueries';
import { ExecutionBatcher } from '../../store/recordExecutionBatch';
import { startTracing } from '../../tracing/tracing';
import { DefinitionCache, invalidDefinitionResult } from '../../workflows/definitionCache';
import { DryRunner } from '../../workflows/dryRun';
import { registerDryRunRoutes } from '../../workflows/dryRunRoutes';
import { recordPushedResult } from '../../workflows/pushResults';
import { WorkflowFileSync } from '../../workflows/workflowFileSync';
import { vetStoredWorkflows } from '../../workflows/vetStoredWorkflows';
import { registerWorkflowRoutes, type WorkflowRouteDeps } from '../../workflows/workflowRoutes';

/** The demo workflows shipped with the package, used by `npm start` when WORKFLOWS_DIR is unset. */
export const DEMO_WORKFLOWS_DIR = path.resolve(__dirname, '../../../demo/workflows');

export function workflowsDirectory(ctx: Pick<SidecarContext, 'config'>): string | undefined {
  return ctx.config.WORKFLOWS_DIR ? path.resolve(ctx.config.WORKFLOWS_DIR) : ctx.config.demo ? DEMO_WORKFLOWS_DIR : undefined;
}

/**
 * Workflows end to end on this replica: definitions (files + API), the durable scheduler, the
 * executor, recording, and the executionRecorded event the alert engine listens to.
 */
export const workflowsFeature: FeatureFactory = async (ctx): Promise<Feature> => {
  const { pool, log, config } = ctx;
  const location = config.LOCATION;
  const breakers = new BreakerRegistry(Date.now, { maxHosts: config.BREAKER_MAX_HOSTS, location });
  const guard = new EgressGuard(config.TARGET_DENYLIST, config.TARGET_ALLOWLIST);
  const http = new StepHttpClient(guard, { extraCa: config.STEP_TLS_CA_FILE });
  const connectTcp = guard.connectTcp.bind(guard);
  registerBreakerMetrics(ctx.metrics.registry, breakers);
  const tracing = startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'workflow-monitor-sidecar', log });
  const definitions = new DefinitionCache(process.env);
  let scheduler: Scheduler | undefined;
  const metrics = new EngineMetrics(ctx.metrics.registry, () => scheduler?.running ?? 0, config.METRICS_LABELS, location);
  const dryRuns = new DryRunner({ concurrency: config.DRY_RUN_CONCURRENCY, send: http.send, connectTcp, breakerMaxHosts: config.BREAKER_MAX_HOSTS, location });

  const dir = workflowsDirectory(ctx);
  const files = dir ? new WorkflowFileSync({ pool, log, dir, env: process.env, maxWorkflows: config.MAX_WORKFLOWS, onChange: () => scheduler?.wake() }) : undefined;
  await files?.sync();
  await vetStoredWorkflows(pool, log);

  const published = (executionId: number, result: ExecutionResult, workflowLabels: unknown) => {
    metrics.observe(result, workflowLabels);
    const line = describeExecution(result);
    if (result.status === EXECUTION_STATUS.failed) {
      log.warn({ executionId, workflowId: result.workflowId, status: result.status }, line);
    } else {
      log.info({ executionId, workflowId: result.workflowId, status: result.status }, line);
    }
    try {
      ctx.events.emit('executionRecorded', { executionId, workflowId: result.workflowId });
    } catch (error) {
      log.error({ err: coerceError(error), executionId }, 'an executionRecorded listener failed');
    }
  };

  const execute = async (run: ClaimedRun, signal: AbortSignal): Promise<ExecutionResult> => {
    const definition = definitions.definitionOf(run);
    const trigger = run.kind === RUN_KIND.manual ? EXECUTION_TRIGGER.manual : EXECUTION_TRIGGER.schedule;
    if (typeof definition === 'string') {
      return invalidDefinitionResult(run, trigger, definition);
    }
    return runWorkflow(definition, { trigger, breakers, signal, tracer: tracing.tracer, send: http.send, connectTcp, env: run.source === 'file' ? process.env : undefined, location });
  };

  const batcher = new ExecutionBatcher(pool);
  const record = async (run: ClaimedRun, result: ExecutionResult) => {
    const recorded = await batcher.record(result, run.id, ctx.workerId);
    if (recorded.executionId === null) {
      log.warn({ runId: run.id, workflowId: run.workflowId }, 'slot already had a result (this worker lost its lease); discarded the late one');
      return;
    }
    // The stored definition's labels, read even when it no longer validates.
    published(recorded.executionId, result, (run.definition as { labels?: unknown } | null)?.labels);
  };

  if (config.SCHEDULER) {
    scheduler = new Scheduler({
      pool,
      log,
      workerId: ctx.workerId,
      location,
      replicaExpiryMs: config.REPLICA_HEARTBEAT_EXPIRY,
      supersededMs: config.SCHEDULER_SUPERSEDED,
      concurrency: config.SCHEDULER_CONCURRENCY,
      pollIntervalMs: config.SCHEDULER_POLL_INTERVAL,
      leaseMs: config.SCHEDULER_LEASE,
      misfireMs: config.SCHEDULER_MISFIRE,
      horizonMs: config.SCHEDULER_HORIZON,
      execute,
      record,
      onStarted: (_run, lagMs) => metrics.schedulerLag.observe(lagMs / 1000),
      onMissedPush: ({ executionId, result, labels }) => published(executionId, result, labels),
      onMissedSlots: (slots) => metrics.missedSlots.inc(slots),
    });
  }

  const recordPush: WorkflowRouteDeps['recordPush'] = async (body) => {
    const { result, recorded, labels } = await recordPushedResult(pool, { ...body, location: body.location ?? location });
    published(recorded.executionId, result, labels);
    return (await getExecutionSummary(pool, recorded.executionId))!;
  };

  return {
    name: 'workflows',
    routes: (routes) => {
      registerWorkflowRoutes(routes, {
        pool,
        maxWorkflows: config.MAX_WORKFLOWS,
        loadErrors: () => files?.loadErrors ?? [],
        wake: () => scheduler?.wake(),
        recordPush,
      });
      registerDryRunRoutes(routes, dryRuns);
    },
    start: () => {
      files?.watch();
      scheduler?.start();
    },
    stop: async () => {
      await files?.stop();
      await Promise.all([scheduler?.stop(), dryRuns.stop()]);
      await http.close();
      await tracing.shutdown();
    },
  };
};
