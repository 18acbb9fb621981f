import { z } from 'zod';
import './zodOpenApi';

/**
 * The one schema for every time the HTTP API accepts (bodies and query strings): an ISO-8601
 * string or epoch milliseconds (a number, or a string of digits as query strings carry them).
 * The value must be a real instant between 2000-01-01 and 2100-01-01. Times that describe what
 * already happened (pushed results, query ranges) may be at most a day ahead of this clock — the
 * slack covers clock skew between the sender and this replica. A number like 1e21 is refused here,
 * before any loop, Date or SQL parameter sees it.
 */
export const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
export const LATEST_TIME_MS = Date.UTC(2100, 0, 1);
export const CLOCK_SKEW_MS = 86_400_000;

/** `past`: what already happened (at most now + 1 day). `planned`: silences, windows, schedules (up to 2100). */
export type TimeHorizon = 'past' | 'planned';

// Date, or date and time with optional seconds and fraction and an optional offset (none means UTC).
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
const EPOCH_DIGITS = /^-?\d+(?:\.\d+)?$/;

/**
 * An ISO-8601 date or date-time → epoch ms, or undefined when it names no real instant.
 * Written out rather than left to Date.parse, which rolls 2024-02-30 over to March 1 and reads
 * a date-time without an offset in the server's time zone; the API's times are UTC.
 */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (!m) {
    return undefined;
  }
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 10, 11].map((group) => Number(m[group] ?? 0)) as [number, number, number, number, number, number, number, number];
  // Whole milliseconds from the digits (0.291 * 1000 is 290.99999999999994 in floating point).
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined;
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls day 31 of a 30-day month over (and reads years below 100 as 19xx); a real date survives the round trip.
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000;
  return m[9] === '-' ? local + offsetMs : local - offsetMs;
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function latestFor(horizon: TimeHorizon, now: number): number {
  return horizon === 'past' ? Math.min(now + CLOCK_SKEW_MS, LATEST_TIME_MS) : LATEST_TIME_MS;
}

/** Epoch ms of a time input, or the message that says why it is not one (the route adds the field). */
export function readInstant(value: unknown, horizon: TimeHorizon, now = Date.now()): { ms: number } | { error: string } {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    ms = EPOCH_DIGITS.test(text) ? Number(text) : (parseIsoInstant(text) ?? NaN);
    if (Number.isNaN(ms)) {
      return { error: `${shown(value)} is not a time; use ISO-8601 (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds` };
    }
  } else {
    return { error: `${shown(value)} is not a time; use an ISO-8601 string or epoch milliseconds` };
  }
  const latest = latestFor(horizon, now);
  if (!(ms >= EARLIEST_TIME_MS && ms <= latest)) {
    const bound = horizon === 'past' && latest < LATEST_TIME_MS ? `now + 1 day (${new Date(latest).toISOString()})` : new Date(LATEST_TIME_MS).toISOString();
    return { error: `${shown(value)} is outside the accepted range: from ${new Date(EARLIEST_TIME_MS).toISOString()} to ${bound}` };
  }
  return { ms: Math.floor(ms) };
}

/** A time input as epoch milliseconds (an integer). */
export function timestampMs(horizon: TimeHorizon) {
  const description =
    horizon === 'past'
      ? 'ISO-8601 (UTC unless an offset is given) or epoch milliseconds; from 2000-01-01T00:00:00Z to at most now + 1 day'
      : 'ISO-8601 (UTC unless an offset is given) or epoch milliseconds; from 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z';
  return z
    .union([z.string().openapi({ format: 'date-time' }), z.number().openapi({ description: 'epoch milliseconds' })], {
      // An array, object, boolean or null gets a message naming its value, like a bad string does.
      error: (issue) => readInstantError(issue.input, horizon),
    })
    .transform((value, ctx) => {
      const read = readInstant(value, horizon);
      if ('error' in read) {
        ctx.addIssue({ code: 'custom', message: read.error });
        return z.NEVER;
      }
      return read.ms;
    })
    .openapi({ description });
}

function readInstantError(value: unknown, horizon: TimeHorizon): string {
  if (value === undefined) {
    return 'is required: an ISO-8601 time or epoch milliseconds';
  }
  const read = readInstant(value, horizon);
  return 'error' in read ? read.error : 'is not a time';
}

/** A time input as a Date. */
export function timestamp(horizon: TimeHorizon) {
  return timestampMs(horizon).transform((ms) => new Date(ms));
}

/** A time in a response: ISO-8601 text (`Date.toISOString()`). */
export const isoDateTime = z.string().openapi({ format: 'date-time' });
