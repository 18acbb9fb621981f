import { formatAssertion, parseAssertionText, type AssertionParts } from './assertionText';

/**
 * The workflow editor's form state and its two-way mapping to a workflow definition (the body of
 * POST /api/v1/workflows, the YAML file's content). Fields hold text as typed; the sidecar
 * validates. Keys the form has no field for are carried along untouched (`extra`), so a definition
 * read from YAML comes back out as it went in, and whatever is wrong with it is reported by the
 * sidecar at its path.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export type AssertionRow = { mode: 'builder'; parts: AssertionParts } | { mode: 'text'; text: string };

export type ScheduleKind = 'every' | 'cron' | 'push';
export type BodyMode = 'none' | 'json' | 'raw';
export type RetryStrategyChoice = '' | 'default' | 'aggressive' | 'fast';
export const RETRY_STRATEGIES = ['default', 'aggressive', 'fast'] as const;

/** The sidecar's presets (backend-sidecar/src/retry/retrySettings.ts), shown as placeholders. */
export const RETRY_PRESETS: Record<(typeof RETRY_STRATEGIES)[number], { maxAttempts: number; initialDelay: string; maxDelay: string; multiplier: number; jitter: string }> = {
  default: { maxAttempts: 3, initialDelay: '1s', maxDelay: '30s', multiplier: 2, jitter: '10%' },
  aggressive: { maxAttempts: 5, initialDelay: '500ms', maxDelay: '1m', multiplier: 2, jitter: '20%' },
  fast: { maxAttempts: 2, initialDelay: '100ms', maxDelay: '1s', multiplier: 2, jitter: '10%' },
};

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export interface StepDraft {
  name: string;
  method: string;
  url: string;
  headers: KeyValue[];
  query: KeyValue[];
  bodyMode: BodyMode;
  /** JSON text (bodyMode json) or the raw body. */
  body: string;
  timeout: string;
  assertions: AssertionRow[];
  extractions: KeyValue[];
  /** Step keys without a field (e.g. a step's own `retry`), kept as they are. */
  extra: Record<string, unknown>;
  requestExtra: Record<string, unknown>;
}

export interface WorkflowDraft {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  critical: boolean;
  labels: KeyValue[];
  scheduleKind: ScheduleKind;
  every: string;
  cron: string;
  timezone: string;
  pushExpected: string;
  pushGrace: string;
  scheduleExtra: Record<string, unknown>;
  timeout: string;
  degradedAfter: string;
  retryStrategy: RetryStrategyChoice;
  maxAttempts: string;
  initialDelay: string;
  maxDelay: string;
  multiplier: string;
  jitter: string;
  /** `retryAfterCap`, `breaker` and anything else under `retry` without a field. */
  retryExtra: Record<string, unknown>;
  steps: StepDraft[];
  /** `slo.objective` in percent ('' without an SLO) and `slo.window` (e.g. 30d). */
  sloObjective: string;
  sloWindow: string;
  extra: Record<string, unknown>;
}

export function emptyStep(name: string): StepDraft {
  return {
    name, method: 'GET', url: '', headers: [], query: [], bodyMode: 'none', body: '', timeout: '',
    assertions: [{ mode: 'builder', parts: { subject: 'status', target: '', operator: '==', value: '200' } }],
    extractions: [], extra: {}, requestExtra: {},
  };
}

export function emptyDraft(): WorkflowDraft {
  return {
    id: '', name: '', description: '', enabled: true, critical: false, labels: [],
    scheduleKind: 'every', every: '1m', cron: '', timezone: '', pushExpected: '', pushGrace: '', scheduleExtra: {},
    timeout: '', degradedAfter: '', retryStrategy: '', maxAttempts: '', initialDelay: '', maxDelay: '', multiplier: '', jitter: '', retryExtra: {},
    steps: [emptyStep('step-1')], sloObjective: '', sloWindow: '', extra: {},
  };
}

/** A step name not used yet: `step-2`, `step-3`… */
export function nextStepName(steps: StepDraft[], base = 'step'): string {
  const names = new Set(steps.map((s) => s.name));
  for (let n = steps.length + 1; ; n += 1) {
    if (!names.has(`${base}-${n}`)) {
      return `${base}-${n}`;
    }
  }
}

export function assertionRow(text: string): AssertionRow {
  const parts = parseAssertionText(text);
  return parts ? { mode: 'builder', parts } : { mode: 'text', text };
}

export function assertionRowText(row: AssertionRow): string {
  return row.mode === 'builder' ? formatAssertion(row.parts) : row.text;
}

// ---- definition → draft ----

class ShapeError extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function scalarText(value: unknown, path: string): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'object') {
    throw new ShapeError(`${path} must be a single value, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
  }
  return String(value);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isRecord(value)) {
    throw new ShapeError(`${path} must be a mapping (key: value)`);
  }
  return value;
}

function keyValues(value: unknown, path: string): KeyValue[] {
  return Object.entries(record(value, path)).map(([key, v]) => ({ key, value: scalarText(v, `${path}.${key}`) }));
}

function without(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([k]) => !keys.includes(k)));
}

const WORKFLOW_KEYS = ['id', 'name', 'description', 'enabled', 'critical', 'labels', 'schedule', 'timeout', 'degradedAfter', 'retry', 'steps', 'slo'] as const;
const RETRY_KEYS = ['strategy', 'maxAttempts', 'initialDelay', 'maxDelay', 'multiplier', 'jitter'] as const;
const STEP_KEYS = ['name', 'request', 'assert', 'extract'] as const;
const REQUEST_KEYS = ['method', 'url', 'headers', 'query', 'json', 'body', 'timeout'] as const;

function stepToDraft(value: unknown, i: number): StepDraft {
  const path = `steps[${i}]`;
  const step = record(value, path);
  if (step.tcp !== undefined) {
    throw new ShapeError(`${path} is a tcp step, which the form does not edit: use the YAML tab`);
  }
  const request = record(step.request, `${path}.request`);
  const hasJson = request.json !== undefined;
  const assertList = step.assert ?? [];
  if (!Array.isArray(assertList)) {
    throw new ShapeError(`${path}.assert must be a list of assertions`);
  }
  return {
    name: scalarText(step.name, `${path}.name`),
    method: scalarText(request.method, `${path}.request.method`) || 'GET',
    url: scalarText(request.url, `${path}.request.url`),
    headers: keyValues(request.headers, `${path}.request.headers`),
    query: keyValues(request.query, `${path}.request.query`),
    bodyMode: hasJson ? 'json' : request.body !== undefined ? 'raw' : 'none',
    body: hasJson ? JSON.stringify(request.json, null, 2) : scalarText(request.body, `${path}.request.body`),
    timeout: scalarText(request.timeout, `${path}.request.timeout`),
    assertions: assertList.map((a, j) => assertionRow(scalarText(a, `${path}.assert[${j}]`))),
    extractions: keyValues(step.extract, `${path}.extract`),
    extra: without(step, STEP_KEYS),
    // With both json and body (which the sidecar refuses), the form edits json and body rides along.
    requestExtra: { ...without(request, REQUEST_KEYS), ...(hasJson && request.body !== undefined ? { body: request.body } : {}) },
  };
}

/** The form state of one step definition (e.g. a step imported from a curl command). */
export function stepDraftFromDefinition(value: unknown): StepDraft {
  return stepToDraft(value, 0);
}

/** The form state for a definition, or why the form cannot show it (the YAML tab shows that). */
export function definitionToDraft(value: unknown): { ok: true; draft: WorkflowDraft } | { ok: false; error: string } {
  try {
    if (!isRecord(value)) {
      throw new ShapeError('the definition must be a mapping (id: …, name: …, schedule: …, steps: …)');
    }
    const schedule = record(value.schedule, 'schedule');
    const push = schedule.push === undefined ? undefined : record(schedule.push, 'schedule.push');
    const pushExtra = push ? Object.keys(without(push, ['expected', 'grace'])) : [];
    if (pushExtra.length > 0) {
      throw new ShapeError(`schedule.push takes expected and grace only, not ${pushExtra.join(', ')}`);
    }
    const retry = record(value.retry, 'retry');
    const strategy = scalarText(retry.strategy, 'retry.strategy');
    const knownStrategy = (RETRY_STRATEGIES as readonly string[]).includes(strategy);
    const slo = record(value.slo, 'slo');
    const sloExtra = Object.keys(without(slo, ['objective', 'window']));
    if (sloExtra.length > 0) {
      throw new ShapeError(`slo takes objective and window only, not ${sloExtra.join(', ')}`);
    }
    const steps = value.steps ?? [];
    if (!Array.isArray(steps)) {
      throw new ShapeError('steps must be a list of steps');
    }
    const draft: WorkflowDraft = {
      id: scalarText(value.id, 'id'),
      name: scalarText(value.name, 'name'),
      description: scalarText(value.description, 'description'),
      enabled: value.enabled === undefined ? true : value.enabled === true,
      critical: value.critical === true,
      labels: keyValues(value.labels, 'labels'),
      scheduleKind: push ? 'push' : schedule.cron !== undefined ? 'cron' : 'every',
      every: scalarText(schedule.every, 'schedule.every'),
      cron: scalarText(schedule.cron, 'schedule.cron'),
      timezone: scalarText(schedule.timezone, 'schedule.timezone'),
      pushExpected: scalarText(push?.expected, 'schedule.push.expected'),
      pushGrace: scalarText(push?.grace, 'schedule.push.grace'),
      // Keys the chosen kind does not use (every next to cron…) ride along, for the sidecar to refuse by name.
      scheduleExtra: without(schedule, push ? ['push'] : schedule.cron !== undefined ? ['cron', 'timezone'] : ['every']),
      timeout: scalarText(value.timeout, 'timeout'),
      degradedAfter: scalarText(value.degradedAfter, 'degradedAfter'),
      retryStrategy: knownStrategy ? (strategy as RetryStrategyChoice) : '',
      maxAttempts: scalarText(retry.maxAttempts, 'retry.maxAttempts'),
      initialDelay: scalarText(retry.initialDelay, 'retry.initialDelay'),
      maxDelay: scalarText(retry.maxDelay, 'retry.maxDelay'),
      multiplier: scalarText(retry.multiplier, 'retry.multiplier'),
      jitter: scalarText(retry.jitter, 'retry.jitter'),
      retryExtra: { ...without(retry, RETRY_KEYS), ...(strategy && !knownStrategy ? { strategy: retry.strategy } : {}) },
      steps: steps.map(stepToDraft),
      sloObjective: scalarText(slo.objective, 'slo.objective'),
      sloWindow: scalarText(slo.window, 'slo.window'),
      extra: without(value, WORKFLOW_KEYS),
    };
    return { ok: true, draft };
  } catch (error) {
    if (error instanceof ShapeError) {
      return { ok: false, error: `The form cannot show this definition: ${error.message}` };
    }
    throw error;
  }
}

// ---- draft → definition ----

/** "30s" stays text; a plain number is milliseconds, as the sidecar reads it. */
function durationValue(text: string): string | number | undefined {
  const t = text.trim();
  if (t === '') {
    return undefined;
  }
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** A number when it is one; otherwise the text, for the sidecar to name what is wrong. */
function numberValue(text: string): string | number | undefined {
  const t = text.trim();
  if (t === '') {
    return undefined;
  }
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function toRecord(rows: KeyValue[]): Record<string, string> | undefined {
  const filled = rows.filter((r) => r.key.trim() !== '' || r.value !== '');
  return filled.length > 0 ? Object.fromEntries(filled.map((r) => [r.key.trim(), r.value])) : undefined;
}

/** Leaves out keys whose value is undefined, so the YAML and the request body stay clean. */
function compact(entries: Array<[string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

export interface DefinitionResult {
  definition: Record<string, unknown>;
  /** What the form could not turn into a definition (JSON bodies that do not parse), by path. */
  errors: Record<string, string>;
}

/** The sidecar's SLO bounds, checked as it checks them so the form says so before saving. */
export const SLO_OBJECTIVE_RANGE = { min: 50, max: 99.999 } as const;
const SLO_WINDOW_HOURS = { min: 24, max: 90 * 24 } as const;

function sloValue(draft: WorkflowDraft, errors: Record<string, string>): Record<string, unknown> | undefined {
  const objectiveText = draft.sloObjective.trim();
  const windowText = draft.sloWindow.trim();
  if (objectiveText === '' && windowText === '') {
    return undefined;
  }
  const objective = numberValue(objectiveText);
  if (objectiveText === '') {
    errors['slo.objective'] = 'an SLO needs an objective in percent (e.g. 99.5)';
  } else if (typeof objective !== 'number' || objective < SLO_OBJECTIVE_RANGE.min || objective > SLO_OBJECTIVE_RANGE.max) {
    errors['slo.objective'] = `slo.objective ${objectiveText} must be a number of percent between ${SLO_OBJECTIVE_RANGE.min} and ${SLO_OBJECTIVE_RANGE.max}`;
  }
  const window = /^(\d+)(h|d)$/.exec(windowText);
  const hours = window ? Number(window[1]) * (window[2] === 'd' ? 24 : 1) : undefined;
  if (windowText === '') {
    errors['slo.window'] = 'an SLO needs a window (e.g. 30d)';
  } else if (hours === undefined || hours < SLO_WINDOW_HOURS.min || hours > SLO_WINDOW_HOURS.max) {
    errors['slo.window'] = `slo.window "${windowText}" must be whole hours or days between 1d and 90d (e.g. 30d)`;
  }
  return compact([['objective', objective ?? objectiveText], ['window', windowText || undefined]]);
}

export function draftToDefinition(draft: WorkflowDraft): DefinitionResult {
  const errors: Record<string, string> = {};
  const schedule =
    draft.scheduleKind === 'push'
      ? compact([['push', compact([['expected', durationValue(draft.pushExpected) ?? ''], ['grace', durationValue(draft.pushGrace)]])]])
      : draft.scheduleKind === 'cron'
        ? compact([['cron', draft.cron.trim()], ['timezone', draft.timezone.trim() || undefined]])
        : { every: durationValue(draft.every) ?? '' };
  const retryFields = compact([
    ['strategy', draft.retryStrategy || undefined],
    ['maxAttempts', numberValue(draft.maxAttempts)],
    ['initialDelay', durationValue(draft.initialDelay)],
    ['maxDelay', durationValue(draft.maxDelay)],
    ['multiplier', numberValue(draft.multiplier)],
    ['jitter', draft.jitter.trim().endsWith('%') ? draft.jitter.trim() : numberValue(draft.jitter)],
    ...Object.entries(draft.retryExtra),
  ]);
  const steps = draft.steps.map((step, i) => {
    let body: [string, unknown] | undefined;
    if (step.bodyMode === 'json') {
      try {
        body = ['json', JSON.parse(step.body)];
      } catch (error) {
        errors[`steps[${i}].request.json`] = `not JSON: ${(error as Error).message}`;
      }
    } else if (step.bodyMode === 'raw') {
      body = ['body', step.body];
    }
    const request = compact([
      ['method', step.method || 'GET'],
      ['url', step.url.trim()],
      ['headers', toRecord(step.headers)],
      ['query', toRecord(step.query)],
      ...(body ? [body] : []),
      ['timeout', durationValue(step.timeout)],
      ...Object.entries(step.requestExtra),
    ]);
    const assertions = step.assertions.map(assertionRowText).filter((a) => a.trim() !== '');
    return compact([
      ['name', step.name],
      ['request', request],
      ['assert', assertions.length > 0 ? assertions : undefined],
      ['extract', toRecord(step.extractions)],
      ...Object.entries(step.extra),
    ]);
  });
  const definition = compact([
    ['id', draft.id.trim() || undefined],
    ['name', draft.name],
    ['description', draft.description.trim() || undefined],
    ['enabled', draft.enabled],
    ['critical', draft.critical],
    ['labels', toRecord(draft.labels)],
    ['schedule', { ...draft.scheduleExtra, ...schedule }],
    ['timeout', durationValue(draft.timeout)],
    ['degradedAfter', durationValue(draft.degradedAfter)],
    ['retry', Object.keys(retryFields).length > 0 ? retryFields : undefined],
    // A push workflow has no steps; leaving the key out keeps its YAML as people write it.
    ['steps', steps.length > 0 || draft.scheduleKind !== 'push' ? steps : undefined],
    ['slo', sloValue(draft, errors)],
    ...Object.entries(draft.extra),
  ]);
  return { definition, errors };
}

// ---- server error paths → form fields ----

const TOP_FIELDS = new Set(['id', 'name', 'description', 'enabled', 'critical', 'timeout', 'degradedAfter', 'steps', 'schedule']);
const FIELD_PATTERNS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^labels(?:[.[].*)?$/, () => 'labels'],
  [/^slo\.(objective|window)$/, (m) => `slo.${m[1]}`],
  [/^slo$/, () => 'slo.objective'],
  [/^schedule\.(every|cron|timezone|push\.expected|push\.grace)$/, (m) => `schedule.${m[1]}`],
  [/^schedule\.push$/, () => 'schedule'],
  [/^retry\.(strategy|maxAttempts|initialDelay|maxDelay|multiplier|jitter)$/, (m) => `retry.${m[1]}`],
  [/^retry$/, () => 'retry.strategy'],
  [/^steps\[(\d+)\]\.request\.(method|url|timeout|json|body)$/, (m) => `steps[${m[1]}].request.${m[2]}`],
  [/^steps\[(\d+)\]\.request\.(headers|query)(?:[.[].*)?$/, (m) => `steps[${m[1]}].request.${m[2]}`],
  [/^steps\[(\d+)\]\.name$/, (m) => `steps[${m[1]}].name`],
  [/^steps\[(\d+)\]\.assert\[(\d+)\]$/, (m) => `steps[${m[1]}].assert[${m[2]}]`],
  [/^steps\[(\d+)\]\.assert$/, (m) => `steps[${m[1]}].assert`],
  [/^steps\[(\d+)\]\.extract(?:[.[].*)?$/, (m) => `steps[${m[1]}].extract`],
  [/^steps\[(\d+)\](?:\.request)?$/, (m) => `steps[${m[1]}]`],
];

/** The form field that shows an error at `path` (the sidecar's `steps[0].request.url` form), if the form has one. */
export function fieldForPath(path: string): string | undefined {
  if (TOP_FIELDS.has(path)) {
    return path;
  }
  for (const [pattern, field] of FIELD_PATTERNS) {
    const m = pattern.exec(path);
    if (m) {
      return field(m);
    }
  }
  return undefined;
}

/** Errors by path split into those a field shows (keyed by field) and the rest, for the summary. */
export function placeErrors(byPath: Record<string, string>): { fields: Record<string, string>; unplaced: string[] } {
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const [path, message] of Object.entries(byPath)) {
    const field = fieldForPath(path);
    if (field === undefined) {
      unplaced.push(`${path}: ${message}`);
    } else if (!(field in fields)) {
      fields[field] = field === path ? message : `${path.slice(field.length).replace(/^\./, '')}: ${message}`;
    }
  }
  return { fields, unplaced };
}
