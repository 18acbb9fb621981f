import fc from 'fast-check';
import { everySchedule, firstSlotFrom, nextSlotAfter, planSlots } from './slotSchedule';

describe('slot schedule', () => {
  it('spreads interval slots by a stable per-workflow offset inside the interval', () => {
    const a = everySchedule('checkout', 60_000);
    const b = everySchedule('checkout', 60_000);
    expect(a).toEqual(b);
    if (a.kind !== 'every') {
      throw new Error('expected every');
    }
    expect(a.offsetMs).toBeGreaterThanOrEqual(0);
    expect(a.offsetMs).toBeLessThan(60_000);
    const slot = nextSlotAfter(a, 1_000_000);
    expect((slot - a.offsetMs) % 60_000).toBe(0);
  });

  it('never returns a slot at or before the given instant and never skips one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 3_600_000 }), fc.integer({ min: 0, max: 2 ** 40 }), (everyMs, at) => {
        const schedule = everySchedule('w', everyMs);
        const next = nextSlotAfter(schedule, at);
        return next > at && next - at <= everyMs;
      })
    );
  });

  it('follows a cron expression in its time zone', () => {
    const schedule = { kind: 'cron' as const, expression: '0 9 * * *', timezone: 'Europe/Berlin' };
    const next = nextSlotAfter(schedule, Date.parse('2026-06-01T00:00:00Z'));
    expect(new Date(next).toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(firstSlotFrom(schedule, next)).toBe(next);
  });

  it('plans due slots up to the horizon and continues after it', () => {
    const schedule = { kind: 'every' as const, everyMs: 1000, offsetMs: 0 };
    const plan = planSlots(schedule, 10_000, 12_500, 0);
    expect(plan.due).toEqual([10_000, 11_000, 12_000]);
    expect(plan.nextSlotAt).toBe(13_000);
    expect(plan.missed).toBeUndefined();
  });

  it('collapses slots older than the misfire threshold into one missed record instead of a burst', () => {
    const schedule = { kind: 'every' as const, everyMs: 1000, offsetMs: 0 };
    // Down for a day: 86,400 slots were missed; only the ones from the threshold on run.
    const plan = planSlots(schedule, 0, 86_400_000 + 2_000, 86_400_000);
    expect(plan.missed).toEqual({ firstSlotAt: 0, count: 86_400, untilMs: 86_400_000 });
    expect(plan.due).toEqual([86_400_000, 86_401_000, 86_402_000]);
  });

  it('counts missed cron slots too', () => {
    const schedule = { kind: 'cron' as const, expression: '*/5 * * * *' };
    const start = Date.parse('2026-01-01T00:00:00Z');
    const plan = planSlots(schedule, start, start + 3_600_000, start + 3_600_000 - 1);
    expect(plan.missed).toEqual({ firstSlotAt: start, count: 12, untilMs: start + 3_600_000 });
    expect(plan.due).toEqual([start + 3_600_000]);
  });
});
