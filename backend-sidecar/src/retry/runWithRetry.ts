import type { AttemptRecord, ErrorType } from '../model/execution';
import { backoffDelay } from './backoff';
import type { BreakerRegistry } from './breakerRegistry';
import { classifyError, countsAgainstTarget } from './classifyError';
import { CircuitOpenError } from './errors';
import { parseRetryAfter } from './retryAfter';
import type { RetrySettings } from './retrySettings';

export interface AttemptContext {
  number: number;
  signal: AbortSignal;
}

export interface RetryOutcome<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  errorType?: ErrorType;
  errorMessage?: string;
  httpStatus?: number;
  attempts: AttemptRecord[];
}

export interface RunWithRetryOptions<T> {
  settings: RetrySettings;
  target: string;
  breakers: BreakerRegistry;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onAttempt?: (attempt: AttemptRecord) => void;
  statusOf?: (value: T) => number | undefined;
}

/** "unknown" errors are retried cautiously: at most this many attempts whatever maxAttempts says. */
export const UNKNOWN_MAX_ATTEMPTS = 2;

const NEVER_ABORTED = new AbortController().signal;

/**
 * An attempt as recorded on the hot path: the start is kept as epoch milliseconds and turned into
 * a Date only when read, because allocating a Date per attempt was most of the wrapper's cost.
 */
class Attempt implements AttemptRecord {
  constructor(
    readonly number: number,
    readonly startedAtMs: number,
    readonly durationMs: number,
    readonly delayMs: number,
    readonly httpStatus?: number,
    readonly errorType?: ErrorType,
    readonly errorMessage?: string
  ) {}

  get startedAt(): Date {
    return new Date(this.startedAtMs);
  }

  toJSON(): AttemptRecord {
    return { number: this.number, startedAt: this.startedAt, durationMs: this.durationMs, delayMs: this.delayMs, httpStatus: this.httpStatus, errorType: this.errorType, errorMessage: this.errorMessage };
  }
}
const EMPTY: AttemptRecord[] = [];

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The retry loop. Written by hand (cockatiel's `retry` is the reference for the shape) because
 * what it must do is ours: classify each failure, wait `Retry-After` on 429, consult the per-target
 * breaker before every attempt, and record every attempt with the delay waited — and keep the
 * success path to one attempt record and no timers. Never throws.
 */
export async function runWithRetry<T>(fn: (ctx: AttemptContext) => Promise<T>, opts: RunWithRetryOptions<T>): Promise<RetryOutcome<T>> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const { settings } = opts;
  const breaker = opts.breakers.get(opts.target, settings);
  const signal = opts.signal ?? NEVER_ABORTED;
  let attempts: AttemptRecord[] = EMPTY;
  let delayMs = 0;
  for (let number = 1; ; number += 1) {
    const startedAt = now();
    if (!breaker.tryAcquire()) {
      const error = new CircuitOpenError(opts.target, new Date(breaker.retryAt));
      const record = new Attempt(number, startedAt, 0, delayMs, undefined, 'circuit_open', error.message);
      attempts = attempts === EMPTY ? [record] : [...attempts, record];
      opts.onAttempt?.(record);
      return { ok: false, error, errorType: 'circuit_open', errorMessage: error.message, attempts };
    }
    try {
      const value = await fn({ number, signal });
      breaker.success();
      const httpStatus = opts.statusOf?.(value);
      const record = new Attempt(number, startedAt, now() - startedAt, delayMs, httpStatus);
      if (opts.onAttempt) {
        opts.onAttempt(record);
      }
      return { ok: true, value, attempts: attempts === EMPTY ? [record] : [...attempts, record], httpStatus };
    } catch (error) {
      const classified = classifyError(error);
      if (countsAgainstTarget(classified.type)) {
        breaker.failure();
      } else {
        breaker.neutral();
      }
      const message = error instanceof Error ? error.message : String(error);
      const record = new Attempt(number, startedAt, now() - startedAt, delayMs, classified.httpStatus, classified.type, message);
      attempts = attempts === EMPTY ? [record] : [...attempts, record];
      opts.onAttempt?.(record);
      const limit = classified.type === 'unknown' ? Math.min(settings.maxAttempts, UNKNOWN_MAX_ATTEMPTS) : settings.maxAttempts;
      if (!classified.retryable || number >= limit || signal.aborted) {
        return { ok: false, error, errorType: classified.type, errorMessage: message, httpStatus: classified.httpStatus, attempts };
      }
      delayMs = backoffDelay(settings, number + 1, opts.random);
      const retryAfterMs = parseRetryAfter(classified.retryAfter, settings.retryAfterCapMs, now());
      if (retryAfterMs !== undefined) {
        delayMs = Math.max(delayMs, retryAfterMs);
      }
      await sleep(delayMs, signal);
      if (signal.aborted) {
        return { ok: false, error, errorType: classified.type, errorMessage: message, httpStatus: classified.httpStatus, attempts };
      }
    }
  }
}
