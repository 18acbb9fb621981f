import { classifyError, type Classification } from '../retry/classifyError';
import { egressRefusalIn } from '../retry/errors';

/**
 * nodemailer codes that say the mail could not even be offered: missing credentials or an
 * authentication method the client cannot use, a bad configuration, an envelope with no usable
 * address. Nothing changes by sending again, so they are permanent, like a 5xx reply.
 */
const SMTP_CLIENT_REFUSALS = new Set(['EAUTH', 'ENOAUTH', 'ECONFIG', 'EENVELOPE']);

/**
 * SMTP replies and socket errors from nodemailer, on top of the HTTP classification the webhook
 * channels share with steps. A reply code decides first (RFC 5321: 4yz transient — 421 closing,
 * 450/451/452 busy, failed or full — and 5yz permanent); then nodemailer's own codes.
 * classifyDeliveryError.test.ts is the table, with the errors a real SMTP server provokes.
 */
export function classifyDeliveryError(error: unknown): Classification {
  // A connection the egress guard refused is permanent whatever nodemailer wrapped it in.
  if (egressRefusalIn(error)) {
    return classifyError(error);
  }
  const e = error as { responseCode?: unknown; code?: unknown } | null | undefined;
  if (typeof e?.responseCode === 'number') {
    return e.responseCode >= 500 ? { type: 'permanent', retryable: false } : { type: 'transient', retryable: true };
  }
  if (e?.code === 'ECONNECTION' || e?.code === 'ESOCKET' || e?.code === 'EDNS') {
    return { type: 'network', retryable: true };
  }
  if (e?.code === 'ETIMEDOUT') {
    return { type: 'timeout', retryable: true };
  }
  if (typeof e?.code === 'string' && SMTP_CLIENT_REFUSALS.has(e.code)) {
    return { type: 'permanent', retryable: false };
  }
  return classifyError(error);
}
