export const PERIODS = Object.freeze({ '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 });
export type Period = keyof typeof PERIODS;

/**
 * The window a period covers: from (now − period) rounded down to the rollup bucket (minutes for
 * 1h, hours otherwise) up to now. The previous window is the same length just before it.
 */
export function periodWindow(period: Period, nowMs: number): { table: 'execution_rollups_minute' | 'execution_rollups_hour'; bucketMs: number; from: Date; to: Date; previousFrom: Date } {
  const bucketMs = period === '1h' ? 60_000 : 3_600_000;
  const fromMs = Math.floor((nowMs - PERIODS[period]) / bucketMs) * bucketMs;
  const length = nowMs - fromMs;
  return {
    table: period === '1h' ? 'execution_rollups_minute' : 'execution_rollups_hour',
    bucketMs,
    from: new Date(fromMs),
    to: new Date(nowMs),
    previousFrom: new Date(Math.floor((fromMs - length) / bucketMs) * bucketMs),
  };
}
