import { z } from 'zod';
import { regexProblem } from '../regex/safeRegex';
import { durationMs } from '../schema/duration';
import { checkCustomExpression } from './customExpression';

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` });

export const THRESHOLD_METRICS = [
  'success_rate', 'failure_rate', 'executions', 'successes', 'failures', 'degraded',
  'duration_avg', 'duration_max', 'duration_p95', 'attempts', 'retries',
] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

export const OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Operator = (typeof OPERATORS)[number];
const operator = z.enum(OPERATORS, { message: `must be one of ${OPERATORS.join(' ')}` });

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be 1–100 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
const windowMs = durationMs({ min: 60_000, max: 7 * 86_400_000 });

const thresholdCondition = z.object({
  type: z.literal('threshold'),
  metric: z.enum(THRESHOLD_METRICS, { message: `must be one of ${THRESHOLD_METRICS.join(', ')}` }),
  operator,
  value: z.number().finite(),
  window: windowMs.default(15 * 60_000),
  // Fewer executions than this in the window → no verdict (neither fire nor resolve on noise).
  minSamples: z.number().int().min(0).max(100_000).default(1),
}).strict();

const rateCondition = z.object({
  type: z.literal('rate'),
  operator: z.enum(['>', '>='], { message: 'must be > or >=' }).default('>'),
  // Failures / executions in the window, in percent (like success_rate everywhere in the API).
  value: z.number().min(0, 'must be a percentage between 0 and 100').max(100, 'must be a percentage between 0 and 100'),
  window: windowMs.default(15 * 60_000),
  minSamples: z.number().int().min(1).max(100_000).default(5),
}).strict();

const patternCondition = z.object({
  type: z.literal('pattern'),
  // Case-insensitivity changes neither what RE2 accepts nor a pattern's size: checked without it.
  regex: z.string().min(1).max(500).superRefine((value, ctx) => {
    const problem = regexProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `cannot be used: ${problem}` });
    }
  }),
  caseInsensitive: z.boolean().default(false),
  // Without a window only the latest execution is looked at.
  window: windowMs.optional(),
  minMatches: z.number().int().min(1).max(100).default(1),
}).strict();

const durationCondition = z.object({
  type: z.literal('duration'),
  of: z.enum(['execution', 'step'], { message: 'must be execution or step' }).default('execution'),
  // With of: step, only this step (by name); otherwise the slowest step.
  step: z.string().min(1).max(200).optional(),
  operator: z.enum(['>', '>='], { message: 'must be > or >=' }).default('>'),
  threshold: durationMs({ min: 1, max: 86_400_000 }),
}).strict();

const consecutiveCondition = z.object({
  type: z.literal('consecutive_failures'),
  count: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
}).strict();

const customCondition = z.object({
  type: z.literal('custom'),
  expression: z.string().min(1).superRefine((value, ctx) => {
    const check = checkCustomExpression(value);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: check.message });
    }
  }),
  window: windowMs.default(15 * 60_000),
}).strict();

/** Burn-rate windows are whole minutes (the finest rollup) up to 30 days. */
const burnWindowMs = durationMs({ min: 60_000, max: 30 * 86_400_000 }).refine((ms) => ms % 60_000 === 0, { message: 'must be whole minutes' });

export const burnRatePairSchema = z.object({
  long: burnWindowMs,
  short: burnWindowMs,
  // Burn rate 1 spends the budget exactly over the SLO window; 14.4 spends 2 % of 30 days in an hour.
  factor: z.number().gt(0, 'must be a burn rate above 0').max(10_000, 'must be at most 10000'),
}).strict().superRefine((pair, ctx) => {
  if (pair.short >= pair.long) {
    ctx.addIssue({ code: 'custom', path: ['short'], message: `the short window (${pair.short / 60_000}m) must be shorter than the long one (${pair.long / 60_000}m)` });
  }
});
export type BurnRatePair = z.output<typeof burnRatePairSchema>;

/**
 * The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs"): page on
 * 2 % of a 30-day budget spent in an hour or 5 % in six hours, ticket on 10 % in three days. The
 * short window makes the alert stop soon after the burning does.
 */
export const DEFAULT_BURN_RATE_PAIRS: readonly BurnRatePair[] = Object.freeze([
  { long: 3_600_000, short: 5 * 60_000, factor: 14.4 },
  { long: 6 * 3_600_000, short: 30 * 60_000, factor: 6 },
  { long: 3 * 86_400_000, short: 6 * 3_600_000, factor: 1 },
]);

const burnRateCondition = z.object({
  type: z.literal('burn_rate'),
  // Fires when, for any pair, both windows burn at or above its factor.
  pairs: z.array(burnRatePairSchema).min(1, 'give at least one { long, short, factor } pair').max(10).default(() => DEFAULT_BURN_RATE_PAIRS.map((p) => ({ ...p }))),
}).strict();

export const ANOMALY_METRICS = ['duration_p95', 'failure_rate', 'executions'] as const;
export type AnomalyMetric = (typeof ANOMALY_METRICS)[number];
export const ANOMALY_DIRECTIONS = ['higher', 'lower', 'both'] as const;
export type AnomalyDirection = (typeof ANOMALY_DIRECTIONS)[number];

const anomalyCondition = z.object({
  type: z.literal('anomaly'),
  metric: z.enum(ANOMALY_METRICS, { message: `must be one of ${ANOMALY_METRICS.join(', ')}` }),
  // Unset: slower and failing more (higher) for durations and failure rate, fewer runs (lower) for executions.
  direction: z.enum(ANOMALY_DIRECTIONS, { message: `must be one of ${ANOMALY_DIRECTIONS.join(', ')}` }).optional(),
  // The current window against the same hour of the week in this many previous weeks.
  weeks: z.number().int('must be a whole number of weeks between 2 and 8').min(2, 'must be between 2 and 8 weeks').max(8, 'must be between 2 and 8 weeks').default(4),
  // The robust z-score (0.6745·(x − median) / MAD) beyond which the value is anomalous.
  sensitivity: z.number().min(1, 'must be a z-score between 1 and 20').max(20, 'must be a z-score between 1 and 20').default(3.5),
  // Executions the current window and each baseline hour need (duration and failure rate).
  minSamples: z.number().int().min(1).max(100_000).default(5),
  window: durationMs({ min: 5 * 60_000, max: 3_600_000 }).refine((ms) => ms % 60_000 === 0, { message: 'must be whole minutes' }).default(3_600_000),
}).strict();

// Judges workflows that check a certificate (a step asserts on tls.*, or tlsExpiryAlert: true) by the
// latest certificate their HTTPS attempts recorded; other workflows get no verdict.
const certificateExpiryCondition = z.object({
  type: z.literal('certificate_expiry'),
  // Fires while fewer whole days than this remain.
  days: z.number().int('must be a whole number of days').min(1, 'must be between 1 and 365').max(365, 'must be between 1 and 365').default(14),
}).strict();

export const conditionSchema = z.discriminatedUnion('type', [
  thresholdCondition, rateCondition, patternCondition, durationCondition, consecutiveCondition, customCondition, burnRateCondition, anomalyCondition,
  certificateExpiryCondition,
], { message: 'type must be one of threshold, rate, pattern, duration, consecutive_failures, custom, burn_rate, anomaly, certificate_expiry' });
export type Condition = z.output<typeof conditionSchema>;
export type ConditionType = Condition['type'];

export const scopeSchema = z.object({
  workflowIds: z.array(z.string().min(1).max(200)).max(1000).optional(),
  labels: z.record(z.string().max(100), z.string().max(200)).optional(),
  critical: z.boolean().optional(),
}).strict();
export type RuleScope = z.output<typeof scopeSchema>;

export const flappingSchema = z.object({
  window: durationMs({ min: 60_000, max: 86_400_000 }).default(30 * 60_000),
  // More state changes (open or resolve) than this inside the window → flapping.
  threshold: z.number().int().min(2).max(1000).default(6),
}).strict();

/**
 * How many of a workflow's locations the condition must hold in, each judged on its own executions:
 * at least `min` of them (all of them when the workflow lists fewer), or at least that `fraction`
 * of them (rounded up, at least one). A workflow without `locations` counts as one location.
 */
export const quorumSchema = z.union(
  [
    z.object({ min: z.number().int('must be a whole number of locations').min(1, 'must be between 1 and 16').max(16, 'must be between 1 and 16') }).strict(),
    z.object({ fraction: z.number().gt(0, 'must be more than 0 and at most 1').max(1, 'must be more than 0 and at most 1') }).strict(),
  ],
  { message: 'quorum must be { min: <locations> } or { fraction: <0–1> }' }
);
export type Quorum = z.output<typeof quorumSchema>;

export const ruleInputSchema = z.object({
  id,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  severity: severitySchema,
  scope: scopeSchema.default({}),
  condition: conditionSchema,
  cooldown: durationMs({ min: 0, max: 86_400_000 }).default(0),
  flapping: flappingSchema.default({ window: 30 * 60_000, threshold: 6 }),
  escalationPolicy: id.optional(),
  channels: z.array(id).max(50).default([]),
  quorum: quorumSchema.optional(),
}).strict().superRefine((rule, ctx) => {
  // burn_rate and anomaly read the workflow's SLO and hour rollups across all its locations: there is
  // no per-location verdict for a quorum to count.
  if (rule.quorum && (rule.condition.type === 'burn_rate' || rule.condition.type === 'anomaly')) {
    ctx.addIssue({ code: 'custom', path: ['quorum'], message: `a quorum counts locations judged on their own executions; a ${rule.condition.type} condition is judged on the whole workflow` });
  }
});
export type RuleInput = z.output<typeof ruleInputSchema>;

export interface Rule extends RuleInput {
  predefined: boolean;
  source: 'file' | 'api' | 'builtin';
  sourceFile?: string;
  version: number;
}

export const tierSchema = z.object({
  after: durationMs({ min: 0, max: 7 * 86_400_000 }),
  channels: z.array(id).min(1, 'a tier needs at least one channel').max(50),
}).strict();

export const escalationPolicyInputSchema = z.object({
  id,
  name: z.string().min(1).max(200),
  tiers: z.array(tierSchema).min(1, 'a policy needs at least one tier').max(10).superRefine((tiers, ctx) => {
    for (let i = 1; i < tiers.length; i += 1) {
      if (tiers[i]!.after < tiers[i - 1]!.after) {
        ctx.addIssue({ code: 'custom', path: [i, 'after'], message: 'tiers must be in order of their delay' });
      }
    }
  }),
  reminder: z.object({
    every: durationMs({ min: 1000, max: 7 * 86_400_000 }),
    max: z.number().int().min(1).max(1000).optional(),
  }).strict().optional(),
}).strict();
export type EscalationPolicyInput = z.output<typeof escalationPolicyInputSchema>;

export const matchersSchema = z.object({
  workflowIds: z.array(z.string().min(1).max(200)).max(1000).optional(),
  labels: z.record(z.string().max(100), z.string().max(200)).optional(),
  severities: z.array(severitySchema).max(4).optional(),
}).strict();
export type Matchers = z.output<typeof matchersSchema>;
