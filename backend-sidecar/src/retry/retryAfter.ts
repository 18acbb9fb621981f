/**
 * `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in milliseconds from `nowMs`,
 * capped so a hostile or confused server cannot park a workflow for hours. Garbage → undefined.
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
    const at = Date.parse(trimmed);
    if (Number.isFinite(at) && /[a-z]/i.test(trimmed)) {
      ms = Math.max(0, at - nowMs);
    }
  }
  return ms === undefined ? undefined : Math.min(ms, capMs);
}
