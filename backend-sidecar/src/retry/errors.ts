/**
 * Errors an attempt can end with. The executor throws these; the retry module classifies them
 * (see classifyError.ts) and decides whether another attempt is worth it.
 */

/** The target answered with an HTTP status that fails the step. */
export class HttpStatusError extends Error {
  constructor(
    readonly httpStatus: number,
    /** Raw `Retry-After` header value, when the target sent one. */
    readonly retryAfter?: string,
    message = `target answered HTTP ${httpStatus}`
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

/** The step did not finish within its timeout. */
export class StepTimeoutError extends Error {
  constructor(readonly timeoutMs: number, message = `no complete response within ${timeoutMs} ms`) {
    super(message);
    this.name = 'StepTimeoutError';
  }
}

/** The response body was larger than the executor accepts. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body exceeded ${limitBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The circuit breaker for the target is open: the request was not sent. */
export class CircuitOpenError extends Error {
  constructor(readonly target: string, readonly retryAt?: Date) {
    super(`circuit open for ${target}${retryAt ? `; next trial after ${retryAt.toISOString()}` : ''}`);
    this.name = 'CircuitOpenError';
  }
}

/**
 * The address a request would connect to is refused by TARGET_DENYLIST or lies outside
 * TARGET_ALLOWLIST: no connection was opened. Permanent — the same address is refused next time.
 */
export class EgressBlockedError extends Error {
  readonly code = 'EGRESS_BLOCKED';

  constructor(
    readonly address: string,
    readonly variable: 'TARGET_DENYLIST' | 'TARGET_ALLOWLIST',
    /** The denylist range that matched; none for an address outside the allowlist. */
    readonly range?: string,
    /** The host name that resolved to the address, when it was a name. */
    readonly host?: string
  ) {
    super(
      `connection to ${address}${host ? ` (resolved from ${host})` : ''} refused by ${variable}` +
        (range ? ` (${range})` : ' (not inside any of its ranges)')
    );
    this.name = 'EgressBlockedError';
  }
}

/** The EgressBlockedError behind `error` (fetch wraps connect errors in its `cause`), if any. */
export function egressRefusalIn(error: unknown): EgressBlockedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    if (current instanceof EgressBlockedError) {
      return current;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
