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
  const breaker = opts.breakers.get(opts.target, { threshold: settings.breakerThreshold, resetMs: settings.breakerResetMs });
  const signal = opts.signal ?? NEVER_ABORTED;
  const attempts: AttemptRecord[] = [];
  let delayMs = 0;
  for (let number = 1; ; number += 1) {
    const startedAt = now();
    if (!breaker.tryAcquire()) {
      const error = new CircuitOpenError(opts.target, new Date(breaker.retryAt));
      const record: AttemptRecord = { number, startedAt: new Date(startedAt), durationMs: 0, delayMs, errorType: 'circuit_open', errorMessage: error.message };
      attempts.push(record);
      opts.onAttempt?.(record);
      return { ok: false, error, errorType: 'circuit_open', errorMessage: error.message, attempts };
    }
    try {
      const value = await fn({ number, signal });
      breaker.success();
      const record: AttemptRecord = { number, startedAt: new Date(startedAt), durationMs: now() - startedAt, delayMs, httpStatus: opts.statusOf?.(value) };
      attempts.push(record);
      opts.onAttempt?.(record);
      return { ok: true, value, attempts, httpStatus: record.httpStatus };
    } catch (error) {
      const classified = classifyError(error);
      if (countsAgainstTarget(classified.type)) {
        breaker.failure();
      } else {
        breaker.neutral();
      }
      const message = error instanceof Error ? error.message : String(error);
      const record: AttemptRecord = { number, startedAt: new Date(startedAt), durationMs: now() - startedAt, delayMs, httpStatus: classified.httpStatus, errorType: classified.type, errorMessage: message };
      attempts.push(record);
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
