import { parseRetryAfter } from './retryAfter';

const CAP = 60_000;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
/** `NOW + seconds` written as an HTTP-date (IMF-fixdate). */
const httpDate = (seconds: number) => new Date(NOW + seconds * 1000).toUTCString();

describe('parseRetryAfter', () => {
  it('reads delta-seconds as milliseconds', () => {
    expect(parseRetryAfter('0', CAP, NOW)).toBe(0);
    expect(parseRetryAfter('3', CAP, NOW)).toBe(3000);
    expect(parseRetryAfter('007', CAP, NOW)).toBe(7000);
    expect(parseRetryAfter('  5 ', CAP, NOW)).toBe(5000);
  });

  it('caps huge values, even beyond what a double holds exactly', () => {
    expect(parseRetryAfter('3600', CAP, NOW)).toBe(CAP);
    expect(parseRetryAfter('99999999999999999999', CAP, NOW)).toBe(CAP);
    expect(parseRetryAfter('9'.repeat(400), CAP, NOW)).toBe(CAP);
    expect(parseRetryAfter(httpDate(86_400 * 365), CAP, NOW)).toBe(CAP);
    expect(parseRetryAfter('10', 0, NOW)).toBe(0);
  });

  it('reads a future HTTP-date as the time until then', () => {
    expect(parseRetryAfter(httpDate(5), CAP, NOW)).toBe(5000);
    expect(parseRetryAfter('Thu, 15 Jan 2026 12:00:30 GMT', CAP, NOW)).toBe(30_000);
  });

  it('reads a past HTTP-date (or now) as no wait', () => {
    expect(parseRetryAfter(httpDate(-5), CAP, NOW)).toBe(0);
    expect(parseRetryAfter(httpDate(0), CAP, NOW)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', CAP, NOW)).toBe(0);
  });

  it('reads the obsolete RFC 850 and asctime forms, asctime as GMT (it carries no zone)', () => {
    expect(parseRetryAfter('Thursday, 15-Jan-26 12:00:20 GMT', CAP, NOW)).toBe(20_000);
    expect(parseRetryAfter('Thu Jan 15 12:00:40 2026', CAP, NOW)).toBe(40_000);
    expect(parseRetryAfter('Thu Jan  1 00:00:00 2026', CAP, Date.UTC(2025, 11, 31, 23, 59, 50))).toBe(10_000);
  });

  it('reads Internet Message Format dates forwarded as HTTP-dates (one-digit day, numeric zone, no weekday)', () => {
    expect(parseRetryAfter('Thu, 15 Jan 2026 14:00:10 +0200', CAP, NOW)).toBe(10_000);
    expect(parseRetryAfter('15 Jan 2026 12:00:10 GMT', CAP, NOW)).toBe(10_000);
    expect(parseRetryAfter('Thu, 1 Jan 2026 00:00:00 UTC', CAP, Date.UTC(2025, 11, 31, 23, 59, 59))).toBe(1000);
  });

  it.each([
    ['a word', 'soon'],
    ['words V8 would read as a date in 2001', 'Retry in 5'],
    ['a word and a year', 'later 2030'],
    ['a fraction (delta-seconds are whole)', '1.5'],
    ['a negative number', '-5'],
    ['a signed number', '+5'],
    ['a number with a unit', '5s'],
    ['an exponent', '1e3'],
    ['hex', '0x10'],
    ['an ISO-8601 timestamp (not an HTTP-date)', '2026-01-15T12:00:10Z'],
    ['an HTTP-date with trailing text', 'Thu, 15 Jan 2026 12:00:10 GMT; x'],
    ['an hour past 23', 'Thu, 15 Jan 2026 25:00:10 GMT'],
    ['the empty string', ''],
    ['blanks', '   '],
  ])('ignores %s (%j): the backoff applies', (_what, value) => {
    expect(parseRetryAfter(value, CAP, NOW)).toBeUndefined();
  });

  it('ignores a missing header', () => {
    expect(parseRetryAfter(undefined, CAP, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, CAP, NOW)).toBeUndefined();
  });
});
