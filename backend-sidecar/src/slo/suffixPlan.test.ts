import { suffixPlan } from './sloStore';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// 2026-12-02 15:24 UTC: 24 minutes into the hour, 15 hours into the day.
const END = Date.UTC(2026, 11, 2, 15, 24);

describe('suffixPlan: the cheapest way to read everything from a point on', () => {
  it('reads the minutes from now on for the window end itself: nothing is recorded after it', () => {
    const plan = suffixPlan(END, { endMs: END });
    expect(plan).toMatchObject({ dayFromMs: null, rows: 0 });
    expect(plan.corrections).toEqual([{ table: 'execution_rollups_minute', fromMs: END, toMs: expect.any(Number), sign: 1 }]);
  });

  it('reads five minutes for a point five minutes back, not half an hour of minutes and the hours to a day boundary', () => {
    expect(suffixPlan(END - 5 * MINUTE, { endMs: END }).rows).toBe(5);
  });

  it('reads a month back from the day rows, with at most 30 minute and 12 hour rows of corrections', () => {
    const plan = suffixPlan(END - 30 * DAY, { endMs: END });
    expect(plan.dayFromMs).toBe(Date.UTC(2026, 10, 3));
    const minutes = plan.corrections.filter((c) => c.table === 'execution_rollups_minute');
    const hours = plan.corrections.filter((c) => c.table === 'execution_rollups_hour');
    expect(minutes).toEqual([{ table: 'execution_rollups_minute', fromMs: END - 30 * DAY - 24 * MINUTE, toMs: END - 30 * DAY, sign: -1 }]);
    expect(hours).toEqual([{ table: 'execution_rollups_hour', fromMs: Date.UTC(2026, 10, 2, 15), toMs: Date.UTC(2026, 10, 3), sign: 1 }]);
  });

  it('reads the hours since the nearest hour for a point a few hours back, when that is fewer rows than from a day boundary', () => {
    // 09:24: 24 minutes to 09:00, then the 7 hour rows from 09:00 to 15:00, against 9 hour rows back to midnight.
    const plan = suffixPlan(END - 6 * HOUR, { endMs: END });
    expect(plan.dayFromMs).toBeNull();
    expect(plan.corrections.map((c) => c.table)).toEqual(['execution_rollups_minute', 'execution_rollups_hour']);
    expect(plan.rows).toBe(24 + 7);
  });

  it('never reads minutes before the minute horizon: the point is taken at the hour before it', () => {
    const p = END - 3 * DAY;
    const plan = suffixPlan(p, { endMs: END, minuteHorizonMs: p + MINUTE });
    expect(plan.corrections.some((c) => c.table === 'execution_rollups_minute')).toBe(false);
    expect(plan.corrections.every((c) => c.fromMs >= p - 24 * MINUTE - 12 * HOUR)).toBe(true);
  });
});
