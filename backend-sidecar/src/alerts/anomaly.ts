import { quantileFromBuckets } from '../rollups/histogram';
import { formatDuration } from '../schema/duration';
import type { AnomalyDirection, AnomalyMetric } from './ruleSchema';

/** Executions of one span (the current window, or one baseline hour) as the rollups sum them. */
export interface SpanSample {
  executions: number;
  failures: number;
  durationMin: number | null;
  durationMax: number | null;
  durationBuckets: number[];
}

/** The current window and the same hour of the week in each previous week (oldest last; absent weeks left out). */
export interface AnomalySample {
  current: SpanSample;
  baseline: SpanSample[];
}

export interface AnomalySpec {
  metric: AnomalyMetric;
  direction?: AnomalyDirection;
  weeks: number;
  sensitivity: number;
  minSamples: number;
  window: number;
}

/** 0.6745 is the 0.75 quantile of the standard normal: MAD ÷ 0.6745 estimates σ for normal data. */
export const MAD_SCALE = 0.6745;

/** Slower and failing more are what hurts; for executions, fewer runs than usual. */
export function anomalyDirection(spec: Pick<AnomalySpec, 'metric' | 'direction'>): AnomalyDirection {
  return spec.direction ?? (spec.metric === 'executions' ? 'lower' : 'higher');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/**
 * The smallest MAD used: a baseline that never varied (every Monday 9 am took exactly 200 ms) has
 * MAD 0, which would make any wobble an infinite z-score. 5 % of the median, and at least one unit
 * of the metric (1 ms, 1 percentage point, 1 execution).
 */
export function madFloor(center: number): number {
  return Math.max(1, Math.abs(center) * 0.05);
}

/** Robust z-score of x against the baseline: 0.6745 · (x − median) / max(MAD, floor). */
export function robustZ(x: number, baseline: readonly number[]): { z: number; median: number; mad: number } {
  const center = median(baseline);
  const mad = medianAbsoluteDeviation(baseline, center);
  return { z: (MAD_SCALE * (x - center)) / Math.max(mad, madFloor(center)), median: center, mad };
}

/** The metric's value over a span; executions per hour, so windows shorter than an hour compare with hours. */
export function spanValue(metric: AnomalyMetric, span: SpanSample, spanMs: number): number | null {
  switch (metric) {
    case 'executions':
      return (span.executions * 3_600_000) / spanMs;
    case 'failure_rate':
      return span.executions === 0 ? null : (span.failures / span.executions) * 100;
    case 'duration_p95':
      return quantileFromBuckets(span.durationBuckets, 0.95, span.durationMin ?? 0, span.durationMax ?? undefined);
  }
}

/** Baseline weeks needed for a verdict: half the weeks asked for, and never fewer than two. */
export function baselineWeeksNeeded(weeks: number): number {
  return Math.max(2, Math.ceil(weeks / 2));
}

const LABEL: Record<AnomalyMetric, string> = { duration_p95: 'p95 duration', failure_rate: 'failure rate', executions: 'executions per hour' };

function show(metric: AnomalyMetric, value: number): string {
  if (metric === 'duration_p95') {
    return `${Math.round(value)} ms`;
  }
  return metric === 'failure_rate' ? `${Math.round(value * 100) / 100}%` : String(Math.round(value * 100) / 100);
}

export type AnomalyVerdict = { state: 'firing' | 'clear'; value: number; message: string } | { state: 'unknown'; message: string };

/**
 * Pure: is the current window unusual for this hour of the week? The baseline is the same hour in
 * each previous week; weeks with fewer than minSamples executions (for duration and failure rate)
 * or none at all (for executions) are not samples.
 */
export function judgeAnomaly(spec: AnomalySpec, sample: AnomalySample | undefined): AnomalyVerdict {
  const direction = anomalyDirection(spec);
  const { metric } = spec;
  const perRun = metric !== 'executions';
  const current = sample?.current;
  if (!current || (perRun && current.executions < spec.minSamples)) {
    return { state: 'unknown', message: `${current?.executions ?? 0} executions in the last ${formatDuration(spec.window)}, fewer than the ${spec.minSamples} needed` };
  }
  const baseline = (sample?.baseline ?? [])
    .filter((week) => (perRun ? week.executions >= spec.minSamples : week.executions > 0))
    .map((week) => spanValue(metric, week, 3_600_000))
    .filter((v): v is number => v !== null);
  const needed = baselineWeeksNeeded(spec.weeks);
  if (baseline.length < needed) {
    return { state: 'unknown', message: `${baseline.length} of the last ${spec.weeks} weeks have enough executions at this hour of the week; ${needed} needed` };
  }
  const x = spanValue(metric, current, spec.window)!;
  const { z, median: center, mad } = robustZ(x, baseline);
  const firing = (direction !== 'lower' && z >= spec.sensitivity) || (direction !== 'higher' && z <= -spec.sensitivity);
  const rounded = Math.round(z * 100) / 100;
  return {
    state: firing ? 'firing' : 'clear',
    value: rounded,
    message: `${LABEL[metric]} ${show(metric, x)} over the last ${formatDuration(spec.window)} against a median of ${show(metric, center)} (MAD ${show(metric, mad)}) at this hour of the week over ${baseline.length} weeks: robust z ${rounded}; fires at ${direction === 'lower' ? `≤ −${spec.sensitivity}` : direction === 'higher' ? `≥ ${spec.sensitivity}` : `|z| ≥ ${spec.sensitivity}`}`,
  };
}
