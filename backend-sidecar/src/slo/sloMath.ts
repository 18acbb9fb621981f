/**
 * SLO arithmetic over counted events, pure. Good = executions that succeeded or were degraded;
 * bad = failed executions plus the slots the scheduler recorded as missed. Percentages are 0–100,
 * like success_rate everywhere in the API.
 */
export interface SloCounts {
  good: number;
  /** Failed executions. */
  failed: number;
  /** Scheduled slots recorded as missed (no execution happened). */
  missed: number;
}

export const EMPTY_COUNTS: Readonly<SloCounts> = Object.freeze({ good: 0, failed: 0, missed: 0 });

/** The windows the SLO API reports burn rates for, by their key in `burnRates`. */
export const BURN_RATE_WINDOWS = Object.freeze({
  '5m': 5 * 60_000,
  '30m': 30 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '72h': 72 * 3_600_000,
} as const);
export type BurnRateWindow = keyof typeof BURN_RATE_WINDOWS;
export const BURN_RATE_WINDOW_KEYS = Object.freeze(Object.keys(BURN_RATE_WINDOWS) as BurnRateWindow[]);

/** The window budgetExhaustedAt extrapolates from. */
export const EXHAUSTION_RATE_WINDOW: BurnRateWindow = '6h';

export function badEvents(counts: SloCounts): number {
  return counts.failed + counts.missed;
}

export function totalEvents(counts: SloCounts): number {
  return counts.good + counts.failed + counts.missed;
}

export function addCounts(into: SloCounts, more: SloCounts): SloCounts {
  into.good += more.good;
  into.failed += more.failed;
  into.missed += more.missed;
  return into;
}

/** The share of events the objective allows to be bad (0.005 for 99.5 %). */
export function allowedBadFraction(objectivePercent: number): number {
  return 1 - objectivePercent / 100;
}

/** Good ÷ all, in percent; null with no events (nothing to judge). */
export function sli(counts: SloCounts): number | null {
  const total = totalEvents(counts);
  return total === 0 ? null : (counts.good / total) * 100;
}

/**
 * The bad fraction ÷ the allowed bad fraction: 1 spends the budget exactly over the SLO window,
 * 14.4 spends 2 % of a 30-day budget in an hour. 0 with no events.
 */
export function burnRate(counts: SloCounts, objectivePercent: number): number {
  const total = totalEvents(counts);
  return total === 0 ? 0 : badEvents(counts) / total / allowedBadFraction(objectivePercent);
}

/**
 * The share of the error budget left, in percent: 100 untouched (also with no events), 0 spent,
 * negative overspent (−100 = twice the budget spent).
 */
export function errorBudgetRemaining(counts: SloCounts, objectivePercent: number): number {
  return (1 - burnRate(counts, objectivePercent)) * 100;
}

/**
 * When the budget left runs out if bad events keep coming at `rate` (a burn rate): the budget is
 * the window's allowance, consumed at `rate` budgets per window, so what is left lasts
 * remaining × window ÷ rate. An already spent budget is exhausted now. Null when not burning.
 */
export function budgetExhaustedAt(remainingPercent: number, rate: number, windowMs: number, nowMs: number): number | null {
  if (!(rate > 0)) {
    return null;
  }
  const left = Math.max(0, remainingPercent) / 100;
  return nowMs + Math.round((left * windowMs) / rate);
}
