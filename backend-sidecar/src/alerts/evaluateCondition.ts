import { compileSafeRegex, type SafeRegex } from '../regex/safeRegex';
import { formatDuration } from '../schema/duration';
import { evaluateCustomExpression } from './customExpression';
import { judgeAnomaly } from './anomaly';
import { anomalyKey } from './ruleFacts';
import type { BurnRatePair, Condition, Operator, RuleScope, ThresholdMetric } from './ruleSchema';
import type { WindowStats, WorkflowFacts } from './workflowFacts';

/**
 * `firing` / `clear` change alert state; `unknown` leaves it as it is (too few samples, or a
 * condition about the latest execution looked at by the timer, which has nothing new to say).
 */
export type Verdict =
  | { state: 'firing'; value?: number; message: string }
  | { state: 'clear'; value?: number; message: string }
  | { state: 'unknown'; message: string };

/** Why an evaluation happens: a new execution of the workflow, or the timer. */
export type EvaluationTrigger = 'execution' | 'timer';

/** Conditions about the latest execution only; the timer has nothing new to tell them. */
export function isInstant(condition: Condition): boolean {
  return condition.type === 'duration' || condition.type === 'consecutive_failures' || (condition.type === 'pattern' && condition.window === undefined);
}

/** The raw-execution window a condition reads from the facts (anomaly windows are read from rollups). */
export function conditionWindow(condition: Condition): number | undefined {
  return condition.type !== 'anomaly' && 'window' in condition ? condition.window : undefined;
}

/** How many recent executions a condition needs to see. */
export function recentNeeded(condition: Condition): number {
  switch (condition.type) {
    case 'consecutive_failures':
      return condition.count + 1;
    case 'pattern':
      return condition.window === undefined ? 1 : 100;
    default:
      return 1;
  }
}

export function compare(left: number, op: Operator, right: number): boolean {
  switch (op) {
    case '>': return left > right;
    case '>=': return left >= right;
    case '<': return left < right;
    case '<=': return left <= right;
    case '==': return left === right;
    case '!=': return left !== right;
  }
}

const METRIC_LABEL: Record<ThresholdMetric, string> = {
  success_rate: 'success rate', failure_rate: 'failure rate', executions: 'executions', successes: 'successes',
  failures: 'failures', degraded: 'degraded runs', duration_avg: 'average duration', duration_max: 'longest duration',
  duration_p95: 'p95 duration', attempts: 'attempts', retries: 'retries',
};

function metricValue(stats: WindowStats, metric: ThresholdMetric): number | null {
  switch (metric) {
    case 'success_rate': return stats.successRate;
    case 'failure_rate': return stats.failureRate;
    case 'executions': return stats.executions;
    case 'successes': return stats.successes;
    case 'failures': return stats.failures;
    case 'degraded': return stats.degraded;
    case 'duration_avg': return stats.durationAvg;
    case 'duration_max': return stats.durationMax;
    case 'duration_p95': return stats.durationP95;
    case 'attempts': return stats.attempts;
    case 'retries': return stats.retries;
  }
}

function show(metric: ThresholdMetric, value: number): string {
  if (metric.endsWith('_rate')) {
    return `${value}%`;
  }
  return metric.startsWith('duration') ? `${Math.round(value)} ms` : String(value);
}

export function inScope(scope: RuleScope, workflow: WorkflowFacts['workflow']): boolean {
  if (scope.workflowIds && scope.workflowIds.length > 0 && !scope.workflowIds.includes(workflow.id)) {
    return false;
  }
  if (scope.critical !== undefined && workflow.critical !== scope.critical) {
    return false;
  }
  for (const [key, value] of Object.entries(scope.labels ?? {})) {
    if (workflow.labels[key] !== value) {
      return false;
    }
  }
  return true;
}

function messagesOf(execution: WorkflowFacts['recent'][number]): string[] {
  const messages = execution.errorMessage ? [execution.errorMessage] : [];
  for (const step of execution.steps) {
    if (step.errorMessage && step.errorMessage !== execution.errorMessage) {
      messages.push(step.errorMessage);
    }
  }
  return messages;
}

/** Pure: one condition against one workflow's facts. */
export function evaluateCondition(condition: Condition, facts: WorkflowFacts, trigger: EvaluationTrigger, now = Date.now()): Verdict {
  if (trigger === 'timer' && isInstant(condition)) {
    return { state: 'unknown', message: 'judged on each execution' };
  }
  const latest = facts.recent[0];
  switch (condition.type) {
    case 'threshold':
    case 'rate': {
      const stats = facts.windows.get(condition.window)!;
      const metric: ThresholdMetric = condition.type === 'rate' ? 'failure_rate' : condition.metric;
      const needsSamples = condition.type === 'rate' || !['executions', 'failures', 'successes', 'degraded'].includes(metric);
      if (needsSamples && stats.executions < Math.max(condition.minSamples, 1)) {
        return { state: 'unknown', message: `${stats.executions} executions in the last ${formatDuration(condition.window)}, fewer than the ${condition.minSamples} needed` };
      }
      const value = metricValue(stats, metric);
      if (value === null) {
        return { state: 'unknown', message: 'no executions in the window' };
      }
      const firing = compare(value, condition.operator, condition.value);
      const text = `${METRIC_LABEL[metric]} ${show(metric, value)} over the last ${formatDuration(condition.window)} (${stats.executions} executions); fires when ${condition.operator} ${show(metric, condition.value)}`;
      return { state: firing ? 'firing' : 'clear', value, message: text };
    }
    case 'pattern': {
      let re: SafeRegex;
      try {
        re = compileSafeRegex(condition.regex, condition.caseInsensitive ? 'i' : '');
      } catch (error) {
        // Refused at save and disabled on start; only a rule stored behind our back gets here.
        return { state: 'unknown', message: `the pattern cannot be used: ${(error as Error).message}` };
      }
      if (condition.window === undefined) {
        if (!latest) {
          return { state: 'unknown', message: 'no executions yet' };
        }
        const hit = messagesOf(latest).find((m) => re.test(m));
        return hit
          ? { state: 'firing', value: 1, message: `latest execution's error matches /${condition.regex}/: ${hit}` }
          : { state: 'clear', value: 0, message: `latest execution's errors do not match /${condition.regex}/` };
      }
      const since = now - condition.window;
      const inWindow = facts.recent.filter((e) => e.startedAt.getTime() > since);
      const matches = inWindow.filter((e) => messagesOf(e).some((m) => re.test(m)));
      const firing = matches.length >= condition.minMatches;
      return {
        state: firing ? 'firing' : 'clear',
        value: matches.length,
        message: `${matches.length} of ${inWindow.length} executions in the last ${formatDuration(condition.window)} have an error matching /${condition.regex}/${firing && matches[0] ? `, e.g. ${messagesOf(matches[0]).find((m) => re.test(m))}` : ''}`,
      };
    }
    case 'duration': {
      if (!latest) {
        return { state: 'unknown', message: 'no executions yet' };
      }
      let measured: number;
      let what: string;
      if (condition.of === 'execution') {
        measured = latest.durationMs;
        what = 'execution';
      } else {
        const steps = condition.step ? latest.steps.filter((s) => s.name === condition.step) : latest.steps;
        if (steps.length === 0) {
          return { state: 'unknown', message: condition.step ? `the latest execution has no step "${condition.step}"` : 'the latest execution has no steps' };
        }
        const slowest = steps.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
        measured = slowest.durationMs;
        what = `step "${slowest.name}"`;
      }
      const firing = compare(measured, condition.operator, condition.threshold);
      return { state: firing ? 'firing' : 'clear', value: measured, message: `${what} took ${Math.round(measured)} ms; fires when ${condition.operator} ${formatDuration(condition.threshold)}` };
    }
    case 'consecutive_failures': {
      const streak = consecutiveFailures(facts);
      if (facts.recent.length === 0) {
        return { state: 'unknown', message: 'no executions yet' };
      }
      const firing = streak >= condition.count;
      return { state: firing ? 'firing' : 'clear', value: streak, message: `${streak} consecutive failure${streak === 1 ? '' : 's'}${firing && latest?.errorMessage ? ` (latest: ${latest.errorMessage})` : ''}; fires at ${condition.count}` };
    }
    case 'burn_rate': {
      const slo = facts.slo;
      if (!slo) {
        return { state: 'unknown', message: 'the workflow declares no slo' };
      }
      const rate = (ms: number) => slo.burnRates.get(ms) ?? 0;
      const describe = (pair: BurnRatePair) => `burn rate ${showRate(rate(pair.long))} over ${formatDuration(pair.long)} and ${showRate(rate(pair.short))} over ${formatDuration(pair.short)}`;
      const hit = condition.pairs.find((pair) => rate(pair.long) >= pair.factor && rate(pair.short) >= pair.factor);
      const objective = `objective ${slo.objective}% over ${slo.window}`;
      if (hit) {
        return { state: 'firing', value: showRate(rate(hit.long)), message: `error budget burning: ${describe(hit)}, both at or above ${hit.factor} (${objective})` };
      }
      return {
        state: 'clear',
        value: showRate(Math.max(...condition.pairs.map((pair) => rate(pair.long)))),
        message: `no window pair burns at its factor: ${condition.pairs.map((pair) => `${describe(pair)} (fires at ${pair.factor})`).join('; ')} (${objective})`,
      };
    }
    case 'anomaly':
      return judgeAnomaly(condition, facts.anomaly?.get(anomalyKey(condition)));
    case 'certificate_expiry': {
      if (facts.certificate === undefined) {
        return { state: 'unknown', message: 'the workflow checks no certificate (no step asserts on tls.*, and tlsExpiryAlert is not true)' };
      }
      if (facts.certificate === null) {
        return { state: 'unknown', message: 'no certificate recorded in the latest executions (no HTTPS response)' };
      }
      const { step, subject, validTo } = facts.certificate;
      const days = Math.floor((validTo.getTime() - now) / DAY_MS);
      const left = days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : `expires in ${days} day${days === 1 ? '' : 's'}`;
      return {
        state: days < condition.days ? 'firing' : 'clear',
        value: days,
        message: `certificate ${subject} (step "${step}") ${left}, on ${validTo.toISOString()}; fires below ${condition.days} days`,
      };
    }
    case 'custom': {
      const stats = facts.windows.get(condition.window)!;
      let result: unknown;
      try {
        result = evaluateCustomExpression(condition.expression, {
          execution: latest ? { ...latest, startedAt: latest.startedAt.getTime() } : null,
          window: stats,
          workflow: facts.workflow,
          consecutiveFailures: consecutiveFailures(facts),
        });
      } catch (error) {
        return { state: 'unknown', message: `expression could not be evaluated: ${(error as Error).message}` };
      }
      return { state: result ? 'firing' : 'clear', value: typeof result === 'number' ? result : result ? 1 : 0, message: `${condition.expression} is ${result ? 'true' : 'false'}` };
    }
  }
}

function showRate(rate: number): number {
  return Math.round(rate * 100) / 100;
}
const DAY_MS = 86_400_000;

export function consecutiveFailures(facts: WorkflowFacts): number {
  let streak = 0;
  for (const execution of facts.recent) {
    if (execution.status !== 'failed') {
      break;
    }
    streak += 1;
  }
  return streak;
}
