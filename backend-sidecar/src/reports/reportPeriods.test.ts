import { cronProblem, latestFireAtOrBefore, periodBefore } from './reportPeriods';

const at = (iso: string) => Date.parse(iso);
const isoOf = (p: { start: number; end: number }) => ({ start: new Date(p.start).toISOString(), end: new Date(p.end).toISOString() });

describe('report periods', () => {
  it('covers the previous calendar week, Monday 00:00 to Monday 00:00 on the zone’s wall clock', () => {
    // Monday 2026-11-30 08:00 in Berlin (UTC+1).
    expect(isoOf(periodBefore('weekly', 'Europe/Berlin', at('2026-11-30T07:00:00Z')))).toEqual({ start: '2026-11-22T23:00:00.000Z', end: '2026-11-29T23:00:00.000Z' });
    // Sent on a Wednesday: still the last complete week.
    expect(isoOf(periodBefore('weekly', 'UTC', at('2026-12-02T10:00:00Z')))).toEqual({ start: '2026-11-23T00:00:00.000Z', end: '2026-11-30T00:00:00.000Z' });
  });

  it('covers the previous calendar month, across a daylight-saving change', () => {
    // 1 April 2026 08:00 in Berlin (UTC+2 since 29 March): March began at UTC+1.
    expect(isoOf(periodBefore('monthly', 'Europe/Berlin', at('2026-04-01T06:00:00Z')))).toEqual({ start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' });
    expect(isoOf(periodBefore('monthly', 'America/New_York', at('2026-01-01T13:00:00Z')))).toEqual({ start: '2025-12-01T05:00:00.000Z', end: '2026-01-01T05:00:00.000Z' });
  });

  it('counts a fire exactly at the given instant as the latest one', () => {
    expect(new Date(latestFireAtOrBefore('0 8 * * 1', 'UTC', at('2026-11-30T08:00:00Z'))).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(new Date(latestFireAtOrBefore('0 8 * * 1', 'UTC', at('2026-11-30T07:59:59Z'))).toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it('accepts five-field cron expressions only', () => {
    expect(cronProblem('0 8 * * 1')).toBeUndefined();
    expect(cronProblem('0 0 8 * * 1')).toMatch(/five-field/);
    expect(cronProblem('0 8 * * 9')).toMatch(/not a valid cron expression/);
  });
});
