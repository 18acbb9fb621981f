import { z } from 'zod';
import { durationMs } from '../schema/duration';

/** Per-strategy defaults; explicit numbers in a definition override them field by field. */
export const RETRY_STRATEGIES = Object.freeze({
  default: Object.freeze({ maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 30_000, multiplier: 2, jitter: 0.1 }),
  aggressive: Object.freeze({ maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 60_000, multiplier: 2, jitter: 0.2 }),
  fast: Object.freeze({ maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0.1 }),
});
export type RetryStrategy = keyof typeof RETRY_STRATEGIES;

const jitterSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : value.trim().endsWith('%') ? Number(value.trim().slice(0, -1)) / 100 : Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 0.5) {
    ctx.addIssue({ code: 'custom', message: `jitter must be between 0 and 0.5 (0–50 %), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return n;
});

export const retrySettingsSchema = z
  .object({
    strategy: z.enum(['default', 'aggressive', 'fast'], { message: 'strategy must be one of default, aggressive, fast' }).optional(),
    maxAttempts: z
      .number({ message: 'maxAttempts must be a number between 1 and 10' })
      .int('maxAttempts must be a whole number')
      .min(1, 'maxAttempts must be between 1 and 10')
      .max(10, 'maxAttempts must be between 1 and 10')
      .optional(),
    initialDelay: durationMs({ min: 100, max: 10_000 }).optional(),
    maxDelay: durationMs({ min: 1_000, max: 300_000 }).optional(),
    multiplier: z.number().min(1.5, 'multiplier must be between 1.5 and 10').max(10, 'multiplier must be between 1.5 and 10').optional(),
    jitter: jitterSchema.optional(),
    retryAfterCap: durationMs({ min: 0, max: 300_000 }).optional(),
    breaker: z
      .object({
        threshold: z.number().int().min(1, 'threshold must be between 1 and 100').max(100, 'threshold must be between 1 and 100').optional(),
        resetAfter: durationMs({ min: 1_000, max: 3_600_000 }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RetrySettingsInput = z.output<typeof retrySettingsSchema>;

export interface RetrySettings {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: number;
  retryAfterCapMs: number;
  breakerThreshold: number;
  breakerResetMs: number;
}

/** Strategy defaults, then explicit fields; a step's settings may override its workflow's. */
export function resolveRetrySettings(...layers: Array<RetrySettingsInput | undefined>): RetrySettings {
  const strategy = [...layers].reverse().find((l) => l?.strategy)?.strategy ?? 'default';
  const base = RETRY_STRATEGIES[strategy];
  const settings: RetrySettings = { ...base, retryAfterCapMs: 60_000, breakerThreshold: 5, breakerResetMs: 60_000 };
  for (const layer of layers) {
    if (!layer) {
      continue;
    }
    if (layer.strategy && layer !== layers[0]) {
      Object.assign(settings, RETRY_STRATEGIES[layer.strategy]);
    }
    settings.maxAttempts = layer.maxAttempts ?? settings.maxAttempts;
    settings.initialDelayMs = layer.initialDelay ?? settings.initialDelayMs;
    settings.maxDelayMs = layer.maxDelay ?? settings.maxDelayMs;
    settings.multiplier = layer.multiplier ?? settings.multiplier;
    settings.jitter = layer.jitter ?? settings.jitter;
    settings.retryAfterCapMs = layer.retryAfterCap ?? settings.retryAfterCapMs;
    settings.breakerThreshold = layer.breaker?.threshold ?? settings.breakerThreshold;
    settings.breakerResetMs = layer.breaker?.resetAfter ?? settings.breakerResetMs;
  }
  settings.maxDelayMs = Math.max(settings.maxDelayMs, settings.initialDelayMs);
  return settings;
}
