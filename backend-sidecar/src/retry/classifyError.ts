import type { ErrorType } from '../model/execution';
import { AssertionFailedError, CircuitOpenError, HttpStatusError, ResponseTooLargeError, StepTimeoutError, egressRefusalIn } from './errors';

export interface Classification {
  type: ErrorType;
  retryable: boolean;
  httpStatus?: number;
  /** Raw Retry-After header of a 429/503, parsed by the caller with its cap. */
  retryAfter?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT',
  'ECONNABORTED', 'EADDRNOTAVAIL', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'ERR_INVALID_URL',
]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

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
 * predicate: 500/502/503/504 transient; 400/401/403/404 and other 4xx permanent; 408 timeout;
 * 429 rate-limit; step timeouts; socket/DNS errors network; an open breaker, a failed assertion and
 * an oversize body are not worth repeating, nor is a connection the egress guard refused (permanent);
 * anything else unknown (retried, cautiously).
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
    if (TRANSIENT_STATUS.has(status) || status >= 500) {
      return { type: 'transient', retryable: true, httpStatus: status, retryAfter: status === 503 ? error.retryAfter : undefined };
    }
    return { type: 'permanent', retryable: false, httpStatus: status };
  }
  if (error instanceof StepTimeoutError) {
    return { type: 'timeout', retryable: true };
  }
  if (error instanceof CircuitOpenError) {
    return { type: 'circuit_open', retryable: false };
  }
  if (error instanceof AssertionFailedError) {
    return { type: 'assertion', retryable: false, httpStatus: error.httpStatus };
  }
  if (error instanceof ResponseTooLargeError || egressRefusalIn(error)) {
    return { type: 'permanent', retryable: false };
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') {
    return { type: 'timeout', retryable: true };
  }
  const code = codeOf(error);
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
