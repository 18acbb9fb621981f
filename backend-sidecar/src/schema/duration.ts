import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Parses "200ms", "1.5s", "5m", "1h", "2d" (or a plain number of milliseconds) into milliseconds. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? input : undefined;
  }
  const match = DURATION_RE.exec(input.trim());
  if (!match) {
    return undefined;
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) {
    return `${ms / 86_400_000}d`;
  }
  if (ms % 3_600_000 === 0 && ms > 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms % 60_000 === 0 && ms > 0) {
    return `${ms / 60_000}m`;
  }
  if (ms % 1000 === 0 && ms > 0) {
    return `${ms / 1000}s`;
  }
  return `${ms}ms`;
}

/**
 * A duration field: accepts "30s"-style strings or milliseconds, yields milliseconds.
 * Bounds are in milliseconds and the error message repeats them in the user's units.
 */
export function durationMs(opts: { min?: number; max?: number } = {}) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a duration; use a number with a unit: ms, s, m, h or d (e.g. "500ms", "30s")`,
        });
        return z.NEVER;
      }
      if (opts.min !== undefined && ms < opts.min) {
        ctx.addIssue({ code: 'custom', message: `${formatDuration(ms)} is below the minimum ${formatDuration(opts.min)}` });
        return z.NEVER;
      }
      if (opts.max !== undefined && ms > opts.max) {
        ctx.addIssue({ code: 'custom', message: `${formatDuration(ms)} is above the maximum ${formatDuration(opts.max)}` });
        return z.NEVER;
      }
      return ms;
    });
}
