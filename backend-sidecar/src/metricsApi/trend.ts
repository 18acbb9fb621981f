export type Trend = 'improving' | 'stable' | 'degrading';

/** Relative change beyond ±5 % is a trend; `higherIsBetter` says which way is good. */
export function relativeTrend(current: number, previous: number, higherIsBetter: boolean, threshold = 0.05): Trend {
  if (previous === 0 && current === 0) {
    return 'stable';
  }
  const change = previous === 0 ? 1 : (current - previous) / previous;
  if (Math.abs(change) <= threshold) {
    return 'stable';
  }
  return change > 0 === higherIsBetter ? 'improving' : 'degrading';
}

/** Success rates compare in percentage points: more than one point either way is a trend. */
export function pointsTrend(current: number | null, previous: number | null, points = 1): Trend {
  if (current === null || previous === null) {
    return 'stable';
  }
  if (Math.abs(current - previous) <= points) {
    return 'stable';
  }
  return current > previous ? 'improving' : 'degrading';
}
