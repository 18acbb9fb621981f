import type { RetrySettings } from './retrySettings';

/**
 * Delay before attempt `next` (2 = the first retry): initialDelay × multiplier^(next−2), capped
 * at maxDelay, spread by ±jitter so many workflows failing together do not retry in lockstep.
 */
export function backoffDelay(settings: Pick<RetrySettings, 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>, next: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, next - 2);
  const base = Math.min(settings.maxDelayMs, settings.initialDelayMs * settings.multiplier ** exponent);
  const spread = base * settings.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(settings.maxDelayMs, base + spread)));
}
