import type { AttemptRecord, ErrorType } from '../model/execution';
import { backoffDelay } from './backoff';
import type { BreakerRegistry } from './breakerRegistry';
import type { CircuitBreaker } from './circuitBreaker';
import { classifyError, countsAgainstTarget } from './classifyError';
import { CircuitOpenError } from './errors';
import { parseRetryAfter } from './retryAfter';
import type { RetrySettings } from './retrySettings';

export interface AttemptContext {
  number: number;
  signal: AbortSignal;
  /** When this attempt started, by the `now` clock: an attempt that times itself starts here. */
  startedAt: number;
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
  /**
   * The attempt's duration as the attempt measured it (an HTTP step times its response anyway).
   * Saves the wrapper its own second clock read; without it the wrapper reads `now` again.
   */
  durationOf?: (value: T) => number | undefined;
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
 * success path to one attempt record and no timers. Never rejects.
 *
 * The first attempt is started synchronously and its success handled in a `then` callback, not in
 * an async function: that path is what every healthy step takes, and an async function's frame
 * and extra suspension were a third of the wrapper's cost. Failures go to the async loop below.
 */
export function runWithRetry<T>(fn: (ctx: AttemptContext) => Promise<T>, opts: RunWithRetryOptions<T>): Promise<RetryOutcome<T>> {
  const now = opts.now ?? Date.now;
  const breaker = opts.breakers.get(opts.target, opts.settings);
  const startedAt = now();
  if (!breaker.tryAcquire()) {
    return Promise.resolve(circuitOpen<T>(opts, breaker, 1, startedAt, 0, EMPTY));
  }
  let pending: Promise<T>;
  try {
    pending = fn({ number: 1, signal: opts.signal ?? NEVER_ABORTED, startedAt });
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then(
    (value) => succeeded(value, opts, breaker, 1, startedAt, now, 0, EMPTY),
    (error: unknown) => retryLoop(fn, opts, breaker, error, startedAt, now)
  );
}

function succeeded<T>(
  value: T,
  opts: RunWithRetryOptions<T>,
  breaker: CircuitBreaker,
  number: number,
  startedAt: number,
  now: () => number,
  delayMs: number,
  earlier: AttemptRecord[]
): RetryOutcome<T> {
  breaker.success();
  const httpStatus = opts.statusOf?.(value);
  const durationMs = opts.durationOf?.(value) ?? now() - startedAt;
  const record = new Attempt(number, startedAt, durationMs, delayMs, httpStatus);
  if (opts.onAttempt) {
    opts.onAttempt(record);
  }
  return { ok: true, value, attempts: earlier === EMPTY ? [record] : [...earlier, record], httpStatus };
}

function circuitOpen<T>(opts: RunWithRetryOptions<T>, breaker: CircuitBreaker, number: number, startedAt: number, delayMs: number, earlier: AttemptRecord[]): RetryOutcome<T> {
  const error = new CircuitOpenError(opts.target, new Date(breaker.retryAt));
  const record = new Attempt(number, startedAt, 0, delayMs, undefined, 'circuit_open', error.message);
  opts.onAttempt?.(record);
  return { ok: false, error, errorType: 'circuit_open', errorMessage: error.message, attempts: earlier === EMPTY ? [record] : [...earlier, record] };
}

/** Everything after a failed attempt: classify, record, wait, try again while the policy allows. */
async function retryLoop<T>(
  fn: (ctx: AttemptContext) => Promise<T>,
  opts: RunWithRetryOptions<T>,
  breaker: CircuitBreaker,
  firstError: unknown,
  firstStartedAt: number,
  now: () => number
): Promise<RetryOutcome<T>> {
  const sleep = opts.sleep ?? abortableSleep;
  const { settings } = opts;
  const signal = opts.signal ?? NEVER_ABORTED;
  const attempts: AttemptRecord[] = [];
  let delayMs = 0;
  let error = firstError;
  let startedAt = firstStartedAt;
  for (let number = 1; ; number += 1) {
    const classified = classifyError(error);
    if (countsAgainstTarget(classified.type)) {
      breaker.failure();
    } else {
      breaker.neutral();
    }
    const message = error instanceof Error ? error.message : String(error);
    const record = new Attempt(number, startedAt, now() - startedAt, delayMs, classified.httpStatus, classified.type, message);
    attempts.push(record);
    opts.onAttempt?.(record);
    const limit = classified.type === 'unknown' ? Math.min(settings.maxAttempts, UNKNOWN_MAX_ATTEMPTS) : settings.maxAttempts;
    const failed = (): RetryOutcome<T> => ({ ok: false, error, errorType: classified.type, errorMessage: message, httpStatus: classified.httpStatus, attempts });
    if (!classified.retryable || number >= limit || signal.aborted) {
      return failed();
    }
    delayMs = backoffDelay(settings, number + 1, opts.random);
    const retryAfterMs = parseRetryAfter(classified.retryAfter, settings.retryAfterCapMs, now());
    if (retryAfterMs !== undefined) {
      delayMs = Math.max(delayMs, retryAfterMs);
    }
    await sleep(delayMs, signal);
    if (signal.aborted) {
      return failed();
    }
    startedAt = now();
    if (!breaker.tryAcquire()) {
      return circuitOpen(opts, breaker, number + 1, startedAt, delayMs, attempts);
    }
    try {
      const value = await fn({ number: number + 1, signal, startedAt });
      return succeeded(value, opts, breaker, number + 1, startedAt, now, delayMs, attempts);
    } catch (next) {
      error = next;
    }
  }
}
