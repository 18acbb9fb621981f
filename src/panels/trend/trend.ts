import type { Direction } from '../../api/types';

export interface TrendResult {
  current: number | null;
  previous: number | null;
  /** Relative change in percent (null when the previous value is 0 or missing). */
  deltaPercent: number | null;
  direction: Direction | null;
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/**
 * The value now against the previous period: the series is split into the earlier and the later
 * half of the time range and each half is reduced (mean, or last value). A change within
 * `stablePercent` of the previous value is stable; otherwise it improves or degrades depending on
 * whether higher is better for this metric.
 */
export function computeTrend(values: Array<number | null>, opts: { higherIsBetter: boolean; stablePercent: number; reducer: 'mean' | 'last' }): TrendResult {
  const points = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (points.length === 0) {
    return { current: null, previous: null, deltaPercent: null, direction: null };
  }
  const half = Math.floor(values.length / 2);
  const clean = (xs: Array<number | null>) => xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const earlier = clean(values.slice(0, half));
  const later = clean(values.slice(half));
  const reduce = (xs: number[]) => (opts.reducer === 'last' ? (xs.length ? xs[xs.length - 1]! : null) : mean(xs));
  const current = reduce(later.length ? later : points);
  const previous = reduce(earlier);
  if (current === null || previous === null) {
    return { current, previous, deltaPercent: null, direction: null };
  }
  const deltaPercent = previous === 0 ? (current === 0 ? 0 : null) : ((current - previous) / Math.abs(previous)) * 100;
  const change = deltaPercent ?? (current > previous ? Infinity : -Infinity);
  const direction: Direction = Math.abs(change) <= opts.stablePercent ? 'stable' : change > 0 === opts.higherIsBetter ? 'improving' : 'degrading';
  return { current, previous, deltaPercent, direction };
}
