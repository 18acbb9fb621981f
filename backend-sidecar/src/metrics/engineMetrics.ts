import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EXECUTION_TRIGGER, type ExecutionResult } from '../model/execution';
import { DEFAULT_LOCATION } from '../model/location';

/**
 * What the engine exposes on /metrics: executions, durations, attempts and the scheduler's health.
 * The execution series may also carry some of the workflow's own labels (METRICS_LABELS): each is a
 * function of the workflow, so they add no series beyond one per workflow and label-value change.
 */
export class EngineMetrics {
  readonly executions: Counter<string>;
  readonly duration: Histogram<string>;
  readonly attempts: Counter<'error_type'>;
  readonly schedulerLag: Histogram;
  readonly missedSlots: Counter;
  readonly inFlight: Gauge;

  /**
   * `workflowLabels`: names already checked by config/env.ts (Prometheus names, none of ours).
   * `location` labels executions that carry none (this replica's own location).
   */
  constructor(registry: Registry, inFlight: () => number, private readonly workflowLabels: readonly string[] = [], private readonly location = DEFAULT_LOCATION) {
    this.executions = new Counter({
      name: 'workflow_monitor_executions_total',
      help: 'Workflow executions recorded, by workflow, status, trigger and the location they ran in',
      labelNames: ['workflow', 'status', 'trigger', 'location', ...workflowLabels],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'workflow_monitor_execution_duration_seconds',
      help: 'Duration of workflow executions, by workflow and location',
      labelNames: ['workflow', 'location', ...workflowLabels],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.attempts = new Counter({
      name: 'workflow_monitor_execution_attempts_total',
      help: 'Step attempts in recorded executions, by error type ("none" for a successful attempt)',
      labelNames: ['error_type'],
      registers: [registry],
    });
    this.schedulerLag = new Histogram({
      name: 'workflow_monitor_scheduler_lag_seconds',
      help: 'How late a run started after its slot was due',
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.missedSlots = new Counter({
      name: 'workflow_monitor_scheduler_missed_slots_total',
      help: 'Slots recorded as missed (no sidecar running, or not started within the misfire threshold)',
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'workflow_monitor_scheduler_runs_in_flight',
      help: 'Runs this replica is executing now',
      registers: [registry],
      collect() {
        this.set(inFlight());
      },
    });
  }

  /** `labels`: the workflow's labels as stored (only the METRICS_LABELS names are read; a missing one is ""). */
  observe(result: ExecutionResult, labels?: unknown): void {
    const location = result.location ?? this.location;
    const extra = this.workflowLabels.length === 0 ? undefined : this.pickLabels(labels);
    this.executions.inc({ workflow: result.workflowId, status: result.status, trigger: result.trigger, location, ...extra });
    if (result.trigger !== EXECUTION_TRIGGER.missed && result.trigger !== EXECUTION_TRIGGER.push) {
      this.duration.observe({ workflow: result.workflowId, location, ...extra }, result.durationMs / 1000);
    }
    for (const step of result.steps) {
      for (const attempt of step.attempts) {
        this.attempts.inc({ error_type: attempt.errorType ?? 'none' });
      }
    }
  }

  private pickLabels(labels: unknown): Record<string, string> {
    const source = typeof labels === 'object' && labels !== null ? (labels as Record<string, unknown>) : {};
    const picked: Record<string, string> = {};
    for (const name of this.workflowLabels) {
      const value = Object.hasOwn(source, name) ? source[name] : undefined;
      picked[name] = typeof value === 'string' ? value : '';
    }
    return picked;
  }
}
