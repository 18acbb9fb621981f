import { CronExpressionParser } from 'cron-parser';

export const REPORT_PERIODS = ['weekly', 'monthly'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** When a schedule sends unless told otherwise: Monday 08:00, or the 1st of the month at 08:00. */
export const DEFAULT_CRON: Record<ReportPeriod, string> = { weekly: '0 8 * * 1', monthly: '0 8 1 * *' };

/**
 * Period boundaries as cron expressions: a week starts Monday 00:00 (ISO 8601), a month on the 1st
 * at 00:00, in the schedule's time zone. cron-parser walks the zone's calendar (DST included), so
 * no offset arithmetic is done here.
 */
const BOUNDARY: Record<ReportPeriod, string> = { weekly: '0 0 * * 1', monthly: '0 0 1 * *' };

/** The latest instant ≤ `atMs` that `expression` names in `timezone`. */
export function latestFireAtOrBefore(expression: string, timezone: string, atMs: number): number {
  // prev() is strictly before currentDate: one millisecond later makes `atMs` itself count.
  return CronExpressionParser.parse(expression, { currentDate: new Date(atMs + 1), tz: timezone }).prev().getTime();
}

export function nextFireAfter(expression: string, timezone: string, afterMs: number): number {
  return CronExpressionParser.parse(expression, { currentDate: new Date(afterMs), tz: timezone }).next().getTime();
}

/** The last complete period before `dueMs`: [start of the previous week/month, start of this one). */
export function periodBefore(period: ReportPeriod, timezone: string, dueMs: number): { start: number; end: number } {
  const end = latestFireAtOrBefore(BOUNDARY[period], timezone, dueMs);
  const start = latestFireAtOrBefore(BOUNDARY[period], timezone, end - 1);
  return { start, end };
}

export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Five fields (no seconds: a report is not sent every second) that cron-parser reads. */
export function cronProblem(expression: string, timezone?: string): string | undefined {
  if (expression.trim().split(/\s+/).length !== 5) {
    return `"${expression}" is not a five-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 8 * * 1")`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: timezone && validTimeZone(timezone) ? timezone : 'UTC' });
    return undefined;
  } catch (error) {
    return `"${expression}" is not a valid cron expression: ${(error as Error).message}`;
  }
}
