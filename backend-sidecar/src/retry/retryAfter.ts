const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const WEEKDAY_LONG = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const CLOCK = '\\d{2}:\\d{2}:\\d{2}';
/**
 * The three HTTP-date forms (RFC 9110 §5.6.7), the first one read robustly as the RFC asks:
 * IMF-fixdate, also with a one-digit day, no weekday or a numeric zone (RFC 5322 dates forwarded
 * into HTTP); the obsolete RFC 850 form; asctime. `Date.parse` alone accepts nearly anything
 * ("Retry in 5" is a date in 2001 to V8), so a value must have one of these shapes first.
 */
const IMF_DATE = new RegExp(`^(?:${WEEKDAY}, )?\\d{1,2} ${MONTH} \\d{4} ${CLOCK} (?:GMT|UTC?|[+-]\\d{4})$`, 'i');
const RFC850_DATE = new RegExp(`^${WEEKDAY_LONG}, \\d{2}-${MONTH}-\\d{2} ${CLOCK} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^${WEEKDAY} ${MONTH} [ \\d]\\d ${CLOCK} \\d{4}$`, 'i');

function httpDateMs(value: string): number {
  if (IMF_DATE.test(value) || RFC850_DATE.test(value)) {
    return Date.parse(value);
  }
  // asctime carries no zone and means GMT; Date.parse would read it in the local zone.
  return ASCTIME_DATE.test(value) ? Date.parse(`${value} GMT`) : Number.NaN;
}

/**
 * `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in milliseconds from `nowMs`,
 * capped so a hostile or confused server cannot park a workflow for hours. A date in the past is 0.
 * Anything else — fractions, signs, units, words — is garbage → undefined (the backoff applies).
 */
export function parseRetryAfter(value: string | null | undefined, capMs: number, nowMs = Date.now()): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  let ms: number | undefined;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    const at = httpDateMs(trimmed);
    if (Number.isFinite(at)) {
      ms = Math.max(0, at - nowMs);
    }
  }
  return ms === undefined ? undefined : Math.min(ms, capMs);
}
