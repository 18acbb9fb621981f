/** Upper bounds (ms) of the fixed duration buckets kept in rollups; one more bucket holds the rest. */
export const DURATION_BOUNDS_MS = Object.freeze([10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000]);
export const BUCKET_COUNT = DURATION_BOUNDS_MS.length + 1;

export function addBuckets(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < BUCKET_COUNT; i += 1) {
    into[i] = (into[i] ?? 0) + (more[i] ?? 0);
  }
  return into;
}

/**
 * The q-quantile (0–1) of merged histogram counts, interpolated linearly inside its bucket
 * (the same estimate Prometheus's histogram_quantile makes). Exact to within one bucket.
 * `max` bounds the open last bucket; `min` the first.
 */
export function quantileFromBuckets(buckets: readonly number[], q: number, min = 0, max?: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) {
    return null;
  }
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i += 1) {
    const count = buckets[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? Math.min(min, DURATION_BOUNDS_MS[0]!) : DURATION_BOUNDS_MS[i - 1]!;
      const upper = i < DURATION_BOUNDS_MS.length ? DURATION_BOUNDS_MS[i]! : Math.max(max ?? lower * 2, lower);
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return max ?? null;
}

/** Index of the bucket holding `ms` (what PostgreSQL's width_bucket gives the trigger). */
export function bucketIndex(ms: number): number {
  let i = 0;
  while (i < DURATION_BOUNDS_MS.length && ms >= DURATION_BOUNDS_MS[i]!) {
    i += 1;
  }
  return i;
}

/**
 * SQL for the element-wise sums of an integer array column: `ARRAY[sum(col[1]), …, sum(col[n])]`,
 * or, with `as: 'json'`, a JSON array (which node-postgres parses natively, much faster than int[]).
 */
export function sumArray(column: string, n: number, as: 'array' | 'json' = 'array'): string {
  const sums = Array.from({ length: n }, (_, i) => `coalesce(sum(${column}[${i + 1}]), 0)${as === 'array' ? '::int' : ''}`).join(', ');
  return as === 'array' ? `ARRAY[${sums}]` : `json_build_array(${sums})`;
}
