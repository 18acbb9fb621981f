import type { ErrorType } from '../model/execution';
import { CircuitOpenError, HttpStatusError, ResponseTooLargeError, StepTimeoutError, egressRefusalIn } from './errors';

export interface Classification {
  type: ErrorType;
  retryable: boolean;
  httpStatus?: number;
  /** Raw Retry-After header of a 429/503, parsed by the caller with its cap. */
  retryAfter?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT',
  'ECONNABORTED', 'EADDRNOTAVAIL', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
]);
/** undici gave up waiting for the response's headers or the next piece of its body: a slow target. */
const RESPONSE_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/**
 * The request could not be made as given (a header value with a line break, a redirect to an
 * unparsable or looping location): sending it again fails the same way, and the target is not to blame.
 */
const REQUEST_INVALID_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_URL']);

function codeOf(error: unknown): string | undefined {
  // fetch wraps socket errors: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
  // sometimes two levels deep (AggregateError for happy-eyeballs).
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    const nested = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.length > 0) {
      current = nested[0];
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Our own rules (DESIGN.md "Retry"), which is why this is hand-written rather than a library
 * predicate: 500/502/503/504 and the rest of 5xx transient; 400/401/403/404 and other 4xx (and
 * statuses below 400 a step refused) permanent; 408 timeout; 429 rate-limit; a status past 599 is not
 * HTTP's, so unknown; step and response timeouts; socket/DNS errors network, also wrapped in `cause`
 * or an AggregateError; an open breaker, an oversize body, a request that
 * cannot be built and a connection the egress guard refused are not worth repeating (permanent);
 * anything else unknown (retried, cautiously). classifyError.test.ts is the table.
 */
export function classifyError(error: unknown): Classification {
  if (error instanceof HttpStatusError) {
    const status = error.httpStatus;
    if (status === 429) {
      return { type: 'rate_limit', retryable: true, httpStatus: status, retryAfter: error.retryAfter };
    }
    if (status === 408) {
      return { type: 'timeout', retryable: true, httpStatus: status };
    }
    if (status >= 500 && status <= 599) {
      return { type: 'transient', retryable: true, httpStatus: status, retryAfter: status === 503 ? error.retryAfter : undefined };
    }
    if (status >= 600) {
      return { type: 'unknown', retryable: true, httpStatus: status };
    }
    return { type: 'permanent', retryable: false, httpStatus: status };
  }
  if (error instanceof StepTimeoutError) {
    return { type: 'timeout', retryable: true };
  }
  if (error instanceof CircuitOpenError) {
    return { type: 'circuit_open', retryable: false };
  }
  if (error instanceof ResponseTooLargeError || egressRefusalIn(error)) {
    return { type: 'permanent', retryable: false };
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') {
    return { type: 'timeout', retryable: true };
  }
  const code = codeOf(error);
  if (code && RESPONSE_TIMEOUT_CODES.has(code)) {
    return { type: 'timeout', retryable: true };
  }
  if (code && REQUEST_INVALID_CODES.has(code)) {
    return { type: 'permanent', retryable: false };
  }
  if (code && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) {
    return { type: 'network', retryable: true };
  }
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) {
    return { type: 'network', retryable: true };
  }
  return { type: 'unknown', retryable: true };
}

/** Failures that say the target itself is unhealthy and count towards opening its breaker. */
export function countsAgainstTarget(type: ErrorType): boolean {
  return type === 'transient' || type === 'timeout' || type === 'network' || type === 'rate_limit';
}
