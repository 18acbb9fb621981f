import { CLOCK_SKEW_MS, LATEST_TIME_MS, parseIsoInstant, readInstant } from './timestamp';

describe('parseIsoInstant', () => {
  it.each([
    ['2024-01-01T00:00:00.291Z', '2024-01-01T00:00:00.291Z'],
    ['2024-01-01T00:00:00.29Z', '2024-01-01T00:00:00.290Z'],
    ['2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00:00.123Z'],
    ['2024-01-01T00:00:00,5+01:00', '2023-12-31T23:00:00.500Z'],
    ['2024-01-01T12:00-0530', '2024-01-01T17:30:00.000Z'],
    ['2024-01-01T12:00:00', '2024-01-01T12:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s (exact milliseconds, offsets applied, no offset = UTC)', (text, iso) => {
    expect(new Date(parseIsoInstant(text)!).toISOString()).toBe(iso);
  });

  it.each(['2023-02-29', '2024-04-31', '2024-00-10', '0024-01-01', '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00+24:00', '2024-01-01 00:00:00Z', 'March 7', '1'])(
    'refuses %s, which Date.parse would roll over or guess',
    (text) => {
      expect(parseIsoInstant(text)).toBeUndefined();
    }
  );
});

describe('readInstant', () => {
  const now = Date.UTC(2030, 5, 1);

  it('bounds what already happened at now + 1 day and planned times at 2100-01-01', () => {
    expect(readInstant(now + CLOCK_SKEW_MS, 'past', now)).toEqual({ ms: now + CLOCK_SKEW_MS });
    expect(readInstant(now + CLOCK_SKEW_MS + 1, 'past', now)).toEqual({ error: expect.stringContaining('now + 1 day') });
    expect(readInstant(LATEST_TIME_MS, 'planned', now)).toEqual({ ms: LATEST_TIME_MS });
    expect(readInstant(LATEST_TIME_MS + 1, 'planned', now)).toEqual({ error: expect.stringContaining('2100-01-01T00:00:00.000Z') });
  });

  it('reads digits as epoch milliseconds and whole milliseconds from fractions', () => {
    expect(readInstant(String(now), 'past', now)).toEqual({ ms: now });
    expect(readInstant(now + 0.75, 'past', now)).toEqual({ ms: now });
  });
});
