import fc from 'fast-check';
import { backoffDelay } from './backoff';
import { RETRY_STRATEGIES } from './retrySettings';

const settings = (over: Partial<{ initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: number }> = {}) => ({
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0,
  ...over,
});
/** `random` at the low end, the middle and (just below) the high end of [0, 1). */
const LOW = () => 0;
const MIDDLE = () => 0.5;
const HIGH = () => 1 - Number.EPSILON;

describe('backoffDelay', () => {
  it('grows exponentially from the initial delay: attempt 2 waits initialDelay, each next one × multiplier', () => {
    const s = settings();
    expect([2, 3, 4, 5, 6].map((next) => backoffDelay(s, next, MIDDLE))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('uses the multiplier at both ends of its range (1.5 and 10), rounding to whole milliseconds', () => {
    expect([2, 3, 4, 5].map((next) => backoffDelay(settings({ initialDelayMs: 1000, multiplier: 1.5 }), next, MIDDLE))).toEqual([1000, 1500, 2250, 3375]);
    expect([2, 3, 4].map((next) => backoffDelay(settings({ initialDelayMs: 100, multiplier: 1.5 }), next, MIDDLE))).toEqual([100, 150, 225]);
    expect([2, 3, 4, 5].map((next) => backoffDelay(settings({ initialDelayMs: 100, multiplier: 10, maxDelayMs: 300_000 }), next, MIDDLE))).toEqual([100, 1000, 10_000, 100_000]);
  });

  it('is capped at maxDelay, however many attempts came before', () => {
    const s = settings({ maxDelayMs: 1000 });
    expect([5, 6, 10, 100].map((next) => backoffDelay(s, next, MIDDLE))).toEqual([800, 1000, 1000, 1000]);
    // multiplier ** exponent overflows to Infinity long before this: still the cap, never NaN.
    expect(backoffDelay(settings({ maxDelayMs: 300_000, multiplier: 10 }), 10_000, MIDDLE)).toBe(300_000);
    expect(backoffDelay(settings({ maxDelayMs: 300_000, multiplier: 10, jitter: 0.5 }), 10_000, LOW)).toBe(150_000);
  });

  it('treats an attempt number below 2 as the first retry', () => {
    expect(backoffDelay(settings(), 1, MIDDLE)).toBe(100);
    expect(backoffDelay(settings(), 0, MIDDLE)).toBe(100);
  });

  it('with 0 % jitter waits exactly the exponential delay whatever the random source says', () => {
    const s = settings({ jitter: 0 });
    for (const random of [LOW, MIDDLE, HIGH, Math.random]) {
      expect(backoffDelay(s, 4, random)).toBe(400);
    }
  });

  it('spreads by ±jitter of the exponential delay: random 0 is the low end, 0.5 the delay itself, towards 1 the high end', () => {
    const s = settings({ jitter: 0.5 });
    expect(backoffDelay(s, 4, LOW)).toBe(200);
    expect(backoffDelay(s, 4, MIDDLE)).toBe(400);
    expect(backoffDelay(s, 4, HIGH)).toBe(600);
    const tenPercent = settings({ jitter: 0.1, initialDelayMs: 1000 });
    expect([LOW, MIDDLE, HIGH].map((random) => backoffDelay(tenPercent, 2, random))).toEqual([900, 1000, 1100]);
  });

  it('never jitters above maxDelay: at the cap the spread only goes down', () => {
    const s = settings({ jitter: 0.5, maxDelayMs: 1000 });
    expect(backoffDelay(s, 20, HIGH)).toBe(1000);
    expect(backoffDelay(s, 20, LOW)).toBe(500);
  });

  it('uses Math.random by default, within the jitter bounds', () => {
    const s = settings({ jitter: 0.2, initialDelayMs: 1000 });
    const delays = Array.from({ length: 200 }, () => backoffDelay(s, 2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1200);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('keeps every delay within ±jitter of the capped exponential delay and under maxDelay, across the allowed settings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 10_000 }),
        fc.integer({ min: 1_000, max: 300_000 }),
        fc.double({ min: 1.5, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.integer({ min: 2, max: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (initialDelayMs, maxDelay, multiplier, jitter, next, r) => {
          const maxDelayMs = Math.max(maxDelay, initialDelayMs);
          const exact = Math.min(maxDelayMs, initialDelayMs * multiplier ** (next - 2));
          const delay = backoffDelay({ initialDelayMs, maxDelayMs, multiplier, jitter }, next, () => r);
          return Number.isInteger(delay) && delay <= maxDelayMs && delay >= Math.floor(exact * (1 - jitter)) && delay <= Math.ceil(exact * (1 + jitter));
        }
      )
    );
  });

  it('gives the documented strategies their delays before jitter', () => {
    const middle = (s: (typeof RETRY_STRATEGIES)[keyof typeof RETRY_STRATEGIES]) => [2, 3, 4, 5].map((next) => backoffDelay(s, next, MIDDLE));
    expect(middle(RETRY_STRATEGIES.default)).toEqual([1000, 2000, 4000, 8000]);
    expect(middle(RETRY_STRATEGIES.aggressive)).toEqual([500, 1000, 2000, 4000]);
    expect(middle(RETRY_STRATEGIES.fast)).toEqual([100, 200, 400, 800]);
  });
});
