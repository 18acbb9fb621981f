import type { SidecarError } from '../../api/client';
import type {
  AnomalyCondition,
  AnomalyMetric,
  ComparisonOperator,
  Condition,
  Rule,
  RuleInput,
  Severity,
  ThresholdMetric,
} from '../../api/types';
import { labelRecord, labelRows, type LabelRow } from '../labelRows';

/**
 * The rule form's model: what the form edits (text as typed, one draft per condition type so
 * switching type loses nothing) and how it becomes the body of POST/PUT /api/v1/rules — exactly
 * the fields of the sidecar's `ruleInputSchema` / `conditionSchema` (backend-sidecar/src/alerts/ruleSchema.ts).
 */
export type ConditionType = Condition['type'];

export const CONDITION_TYPES: Array<{ value: ConditionType; label: string; description: string }> = [
  {
    value: 'threshold',
    label: 'Threshold',
    description: 'A figure over a window (success rate, durations, counts) compared with a value',
  },
  { value: 'rate', label: 'Failure rate', description: 'Failures / executions over a window, in percent' },
  { value: 'pattern', label: 'Error pattern', description: 'A regular expression (RE2) matching error messages' },
  { value: 'duration', label: 'Duration', description: 'The latest execution, or a step of it, took too long' },
  { value: 'consecutive_failures', label: 'Consecutive failures', description: 'The last N executions all failed' },
  {
    value: 'custom',
    label: 'Custom',
    description: 'A Jexl expression over execution, window, workflow and consecutiveFailures',
  },
  {
    value: 'burn_rate',
    label: 'SLO burn rate',
    description: 'The error budget of a workflow with an SLO burns fast over both a long and a short window',
  },
  {
    value: 'anomaly',
    label: 'Anomaly',
    description: 'Slower, failing more or running less than usual for this hour of the week',
  },
  {
    value: 'certificate_expiry',
    label: 'Certificate expiry',
    description: 'The latest TLS certificate of a workflow that checks certificates expires within N days',
  },
];

export const ANOMALY_METRICS: Array<{ value: AnomalyMetric; label: string }> = [
  { value: 'duration_p95', label: 'p95 duration' },
  { value: 'failure_rate', label: 'Failure rate' },
  { value: 'executions', label: 'Executions' },
];

/** The sidecar's default pairs (the SRE workbook's), one "long short factor" per line. */
export const DEFAULT_BURN_RATE_PAIRS_TEXT = '1h 5m 14.4\n6h 30m 6\n3d 6h 1';

export const THRESHOLD_METRICS: Array<{ value: ThresholdMetric; label: string; unit?: string }> = [
  { value: 'success_rate', label: 'Success rate', unit: '%' },
  { value: 'failure_rate', label: 'Failure rate', unit: '%' },
  { value: 'executions', label: 'Executions' },
  { value: 'successes', label: 'Successes' },
  { value: 'failures', label: 'Failures' },
  { value: 'degraded', label: 'Degraded executions' },
  { value: 'duration_avg', label: 'Average duration', unit: 'ms' },
  { value: 'duration_max', label: 'Maximum duration', unit: 'ms' },
  { value: 'duration_p95', label: 'p95 duration', unit: 'ms' },
  { value: 'attempts', label: 'Attempts' },
  { value: 'retries', label: 'Retries' },
];

export const COMPARISON_OPERATORS: ComparisonOperator[] = ['>', '>=', '<', '<=', '==', '!='];

export interface ConditionDrafts {
  threshold: {
    metric: ThresholdMetric;
    operator: ComparisonOperator;
    value: string;
    window: string;
    minSamples: string;
  };
  rate: { operator: '>' | '>='; value: string; window: string; minSamples: string };
  pattern: { regex: string; caseInsensitive: boolean; window: string; minMatches: string };
  duration: { of: 'execution' | 'step'; step: string; operator: '>' | '>='; threshold: string };
  consecutive_failures: { count: string };
  custom: { expression: string; window: string };
  /** One pair a line: "long short factor". */
  burn_rate: { pairs: string };
  anomaly: {
    metric: AnomalyMetric;
    /** '' leaves the sidecar's default for the metric. */
    direction: '' | NonNullable<AnomalyCondition['direction']>;
    weeks: string;
    sensitivity: string;
    minSamples: string;
    window: string;
  };
  certificate_expiry: { days: string };
}

export type CriticalScope = 'any' | 'critical' | 'non-critical';
export type NotifyMode = 'default' | 'policy' | 'channels';

export interface RuleDraft {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  severity: Severity;
  workflowIds: string[];
  labels: LabelRow[];
  critical: CriticalScope;
  conditionType: ConditionType;
  conditions: ConditionDrafts;
  cooldown: string;
  flappingWindow: string;
  flappingThreshold: string;
  notify: NotifyMode;
  escalationPolicy: string;
  channels: string[];
}

/** Errors by the body path they belong to (`condition.regex`, `scope.workflowIds`…), as the form shows them. */
export type FieldErrors = Partial<Record<string, string>>;

/** The sidecar's defaults (ruleSchema.ts), so a new rule starts from what it would get anyway. */
export const DEFAULT_CONDITIONS: ConditionDrafts = {
  threshold: { metric: 'success_rate', operator: '<', value: '80', window: '15m', minSamples: '1' },
  rate: { operator: '>', value: '50', window: '15m', minSamples: '5' },
  pattern: { regex: '', caseInsensitive: false, window: '', minMatches: '1' },
  duration: { of: 'execution', step: '', operator: '>', threshold: '30s' },
  consecutive_failures: { count: '3' },
  custom: { expression: '', window: '15m' },
  burn_rate: { pairs: DEFAULT_BURN_RATE_PAIRS_TEXT },
  anomaly: { metric: 'duration_p95', direction: '', weeks: '4', sensitivity: '3.5', minSamples: '5', window: '1h' },
  certificate_expiry: { days: '14' },
};

export function newRuleDraft(): RuleDraft {
  return {
    id: '',
    name: '',
    description: '',
    enabled: true,
    severity: 'warning',
    workflowIds: [],
    labels: [],
    critical: 'any',
    conditionType: 'consecutive_failures',
    conditions: DEFAULT_CONDITIONS,
    cooldown: '0s',
    flappingWindow: '30m',
    flappingThreshold: '6',
    notify: 'default',
    escalationPolicy: '',
    channels: [],
  };
}

function conditionDraft(c: Condition): Partial<ConditionDrafts> {
  switch (c.type) {
    case 'threshold':
      return {
        threshold: {
          metric: c.metric,
          operator: c.operator,
          value: String(c.value),
          window: c.window,
          minSamples: String(c.minSamples),
        },
      };
    case 'rate':
      return {
        rate: { operator: c.operator, value: String(c.value), window: c.window, minSamples: String(c.minSamples) },
      };
    case 'pattern':
      return {
        pattern: {
          regex: c.regex,
          caseInsensitive: c.caseInsensitive,
          window: c.window ?? '',
          minMatches: String(c.minMatches),
        },
      };
    case 'duration':
      return { duration: { of: c.of, step: c.step ?? '', operator: c.operator, threshold: c.threshold } };
    case 'consecutive_failures':
      return { consecutive_failures: { count: String(c.count) } };
    case 'custom':
      return { custom: { expression: c.expression, window: c.window } };
    case 'burn_rate':
      return { burn_rate: { pairs: c.pairs.map((p) => `${p.long} ${p.short} ${p.factor}`).join('\n') } };
    case 'anomaly':
      return {
        anomaly: {
          metric: c.metric,
          direction: c.direction ?? '',
          weeks: String(c.weeks),
          sensitivity: String(c.sensitivity),
          minSamples: String(c.minSamples),
          window: c.window,
        },
      };
    case 'certificate_expiry':
      return { certificate_expiry: { days: String(c.days) } };
  }
}

/** "1h 5m 14.4" lines → pairs; the sidecar checks the durations and factors and names the pair. */
function burnRatePairs(text: string, errors: FieldErrors): Array<{ long: string; short: string; factor: number }> {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const pairs = lines.map((line) => {
    const [long = '', short = '', factor = '', ...rest] = line.split(/\s+/);
    const value = Number(factor);
    if (rest.length > 0 || !factor || !Number.isFinite(value)) {
      errors['condition.pairs'] = `"${line}" is not "long short factor" (e.g. 1h 5m 14.4)`;
    }
    return { long, short, factor: value };
  });
  return pairs;
}

export function draftFromRule(rule: Rule): RuleDraft {
  const critical = rule.scope.critical;
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description ?? '',
    enabled: rule.enabled,
    severity: rule.severity,
    workflowIds: rule.scope.workflowIds ?? [],
    labels: labelRows(rule.scope.labels),
    critical: critical === undefined ? 'any' : critical ? 'critical' : 'non-critical',
    conditionType: rule.condition.type,
    conditions: { ...DEFAULT_CONDITIONS, ...conditionDraft(rule.condition) },
    cooldown: rule.cooldown,
    flappingWindow: rule.flapping.window,
    flappingThreshold: String(rule.flapping.threshold),
    notify: rule.escalationPolicy ? 'policy' : rule.channels.length > 0 ? 'channels' : 'default',
    escalationPolicy: rule.escalationPolicy ?? '',
    channels: rule.channels,
  };
}

/** A number typed into a field; the sidecar checks the range (and integers) and says so on the same field. */
function numberField(text: string, path: string, errors: FieldErrors): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) {
    errors[path] = trimmed === '' ? 'required' : `"${trimmed}" is not a number`;
  }
  return value;
}

/** Durations go as typed ("15m"); an empty optional one is left out so the sidecar's default applies. */
const optionalDuration = (key: string, text: string) => (text.trim() ? { [key]: text.trim() } : {});

function conditionInput(d: RuleDraft, errors: FieldErrors): Condition {
  const n = (text: string, field: string) => numberField(text, `condition.${field}`, errors);
  switch (d.conditionType) {
    case 'threshold': {
      const c = d.conditions.threshold;
      return {
        type: 'threshold',
        metric: c.metric,
        operator: c.operator,
        value: n(c.value, 'value'),
        ...optionalDuration('window', c.window),
        minSamples: n(c.minSamples, 'minSamples'),
      } as Condition;
    }
    case 'rate': {
      const c = d.conditions.rate;
      return {
        type: 'rate',
        operator: c.operator,
        value: n(c.value, 'value'),
        ...optionalDuration('window', c.window),
        minSamples: n(c.minSamples, 'minSamples'),
      } as Condition;
    }
    case 'pattern': {
      const c = d.conditions.pattern;
      return {
        type: 'pattern',
        regex: c.regex,
        caseInsensitive: c.caseInsensitive,
        ...optionalDuration('window', c.window),
        minMatches: n(c.minMatches, 'minMatches'),
      };
    }
    case 'duration': {
      const c = d.conditions.duration;
      return {
        type: 'duration',
        of: c.of,
        ...(c.of === 'step' && c.step.trim() ? { step: c.step.trim() } : {}),
        operator: c.operator,
        threshold: c.threshold.trim(),
      };
    }
    case 'consecutive_failures':
      return { type: 'consecutive_failures', count: n(d.conditions.consecutive_failures.count, 'count') };
    case 'custom': {
      const c = d.conditions.custom;
      return { type: 'custom', expression: c.expression, ...optionalDuration('window', c.window) } as Condition;
    }
    case 'burn_rate': {
      const pairs = burnRatePairs(d.conditions.burn_rate.pairs, errors);
      // No pairs: the sidecar's default (the workbook's pairs).
      return { type: 'burn_rate', ...(pairs.length > 0 ? { pairs } : {}) } as Condition;
    }
    case 'anomaly': {
      const c = d.conditions.anomaly;
      return {
        type: 'anomaly',
        metric: c.metric,
        ...(c.direction ? { direction: c.direction } : {}),
        weeks: n(c.weeks, 'weeks'),
        sensitivity: n(c.sensitivity, 'sensitivity'),
        minSamples: n(c.minSamples, 'minSamples'),
        ...optionalDuration('window', c.window),
      } as Condition;
    }
    case 'certificate_expiry':
      return { type: 'certificate_expiry', days: n(d.conditions.certificate_expiry.days, 'days') };
  }
}

/** The POST/PUT body for a draft, or the errors the form can name before asking the sidecar. */
export function ruleInputFromDraft(d: RuleDraft): { input: RuleInput; errors?: undefined } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const condition = conditionInput(d, errors);
  const labels = labelRecord(d.labels);
  if ('problem' in labels) {
    errors['scope.labels'] = labels.problem;
  }
  const flappingThreshold = numberField(d.flappingThreshold, 'flapping.threshold', errors);
  if (d.notify === 'policy' && !d.escalationPolicy) {
    errors.escalationPolicy = 'pick a policy, or notify the default policy or channels';
  }
  if (d.notify === 'channels' && d.channels.length === 0) {
    errors.channels = 'pick at least one channel, or notify the default policy';
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  const scope: NonNullable<RuleInput['scope']> = {
    ...(d.workflowIds.length > 0 ? { workflowIds: d.workflowIds } : {}),
    ...('record' in labels && Object.keys(labels.record).length > 0 ? { labels: labels.record } : {}),
    ...(d.critical !== 'any' ? { critical: d.critical === 'critical' } : {}),
  };
  return {
    input: {
      id: d.id.trim(),
      name: d.name,
      ...(d.description.trim() ? { description: d.description } : {}),
      enabled: d.enabled,
      severity: d.severity,
      scope,
      condition,
      cooldown: d.cooldown.trim() || '0s',
      flapping: { window: d.flappingWindow.trim(), threshold: flappingThreshold },
      ...(d.notify === 'policy' ? { escalationPolicy: d.escalationPolicy } : {}),
      channels: d.notify === 'channels' ? d.channels : [],
    },
  };
}

/** A stored rule as a PUT body: the input fields only (the schema is strict; bookkeeping fields are refused). */
export function ruleInputFromRule(rule: Rule): RuleInput {
  const { id, name, description, enabled, severity, scope, condition, cooldown, flapping, escalationPolicy, channels } =
    rule;
  return {
    id,
    name,
    ...(description !== undefined ? { description } : {}),
    enabled,
    severity,
    scope,
    condition,
    cooldown,
    flapping,
    ...(escalationPolicy !== undefined ? { escalationPolicy } : {}),
    channels,
  };
}

const FIELDS_BY_CONDITION: Record<ConditionType, string[]> = {
  threshold: ['metric', 'operator', 'value', 'window', 'minSamples'],
  rate: ['operator', 'value', 'window', 'minSamples'],
  pattern: ['regex', 'caseInsensitive', 'window', 'minMatches'],
  duration: ['of', 'step', 'operator', 'threshold'],
  consecutive_failures: ['count'],
  custom: ['expression', 'window'],
  burn_rate: ['pairs'],
  anomaly: ['metric', 'direction', 'weeks', 'sensitivity', 'minSamples', 'window'],
  certificate_expiry: ['days'],
};
const TOP_FIELDS = [
  'id',
  'name',
  'description',
  'enabled',
  'severity',
  'cooldown',
  'escalationPolicy',
  'channels',
  'scope.workflowIds',
  'scope.labels',
  'scope.critical',
  'flapping.window',
  'flapping.threshold',
];

/** The form field a server path belongs to (`channels[1]` → channels, `scope.labels.team` → scope.labels), if the form has one. */
export function fieldForPath(path: string, conditionType: ConditionType): string | undefined {
  const bare = path.replace(/\[\d+\]/g, '');
  const [head, second] = bare.split('.');
  if (head === 'condition') {
    return second && FIELDS_BY_CONDITION[conditionType].includes(second) ? `condition.${second}` : 'condition.type';
  }
  const key =
    head === 'scope' || head === 'flapping'
      ? `${head}.${second ?? (head === 'scope' ? 'workflowIds' : 'window')}`
      : head;
  return key && TOP_FIELDS.includes(key) ? key : undefined;
}

/** The sidecar's field errors on the form's fields; those without a field (and the message when none has details) in `other`. */
export function serverErrors(
  error: SidecarError,
  conditionType: ConditionType
): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  const details = Object.entries(error.fieldErrors());
  for (const [path, message] of details) {
    const field = fieldForPath(path, conditionType);
    if (field && !fields[field]) {
      fields[field] = message;
    } else if (!field) {
      other.push(`${path}: ${message}`);
    }
  }
  if (details.length === 0) {
    other.push(error.message);
  }
  return { fields, other };
}

const METRIC_UNIT = new Map(THRESHOLD_METRICS.map((m) => [m.value, m.unit]));
const METRIC_LABEL = new Map(THRESHOLD_METRICS.map((m) => [m.value, m.label]));

/** One line saying what a condition fires on, for the rules list. */
export function describeCondition(c: Condition): string {
  switch (c.type) {
    case 'threshold': {
      const unit = METRIC_UNIT.get(c.metric);
      return `${METRIC_LABEL.get(c.metric)?.toLowerCase() ?? c.metric} ${c.operator} ${c.value}${unit ? ` ${unit}` : ''} over ${c.window} (at least ${c.minSamples} executions)`;
    }
    case 'rate':
      return `failure rate ${c.operator} ${c.value} % over ${c.window} (at least ${c.minSamples} executions)`;
    case 'pattern':
      return `error matches /${c.regex}/${c.caseInsensitive ? 'i' : ''}${c.window ? ` in ${c.minMatches}+ executions over ${c.window}` : ' (latest execution)'}`;
    case 'duration':
      return `${c.of === 'execution' ? 'execution' : c.step ? `step "${c.step}"` : 'slowest step'} takes ${c.operator} ${c.threshold}`;
    case 'consecutive_failures':
      return `${c.count} consecutive failure${c.count === 1 ? '' : 's'}`;
    case 'custom':
      return `${c.expression} (window ${c.window})`;
    case 'burn_rate':
      return `error budget burns at ${c.pairs.map((p) => `${p.factor}× over ${p.long} and ${p.short}`).join(', or ')}`;
    case 'anomaly': {
      const direction = c.direction ?? (c.metric === 'executions' ? 'lower' : 'higher');
      const label = ANOMALY_METRICS.find((m) => m.value === c.metric)?.label.toLowerCase() ?? c.metric;
      return `${label} over ${c.window} ${direction === 'both' ? 'unusual' : direction} than this hour of the week over ${c.weeks} weeks (robust z ≥ ${c.sensitivity})`;
    }
    case 'certificate_expiry':
      return `certificate expires in fewer than ${c.days} day${c.days === 1 ? '' : 's'}`;
  }
}
