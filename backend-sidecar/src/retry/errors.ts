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

/** The response arrived but an assertion on it failed; retrying the same request rarely helps. */
export class AssertionFailedError extends Error {
  constructor(message: string, readonly httpStatus?: number) {
    super(message);
    this.name = 'AssertionFailedError';
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
