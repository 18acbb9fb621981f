import type { Request } from 'express';
import { ValidationError } from '../errors/errors';

/**
 * Grafana's data source proxy removes a client-sent `X-Grafana-User` and, with `[dataproxy]
 * send_user_header` (GF_DATAPROXY_SEND_USER_HEADER=true), sets it to the signed-in user's login.
 * Behind that proxy it is the one statement of who acts that a browser cannot forge, so it wins
 * over any `user` in the body. Direct API clients hold the full token and are trusted either way.
 */
export const GRAFANA_USER_HEADER = 'x-grafana-user';
export const MAX_USER_LENGTH = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });
// C0/C1 controls and the Unicode line and paragraph separators: they would forge lines in logs and notifications.
const FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;

/**
 * Node hands header values over as Latin-1; Grafana (Go) writes a login's UTF-8 bytes as they are.
 * Bytes that form valid UTF-8 are read as such, anything else stays Latin-1.
 */
function decodeHeader(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) {
    return value;
  }
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/** The `X-Grafana-User` header, trimmed; undefined when absent; a 400 naming the header when it is not a login. */
export function grafanaUser(req: Request): string | undefined {
  const raw = req.headers[GRAFANA_USER_HEADER];
  if (raw === undefined) {
    return undefined;
  }
  const value = decodeHeader(Array.isArray(raw) ? raw.join(', ') : raw).trim();
  const problem =
    value.length === 0 ? 'must not be empty'
      : value.length > MAX_USER_LENGTH ? `must be at most ${MAX_USER_LENGTH} characters (got ${value.length})`
        : FORBIDDEN.test(value) ? 'must not contain control characters or line breaks'
          : undefined;
  if (problem) {
    const shown = JSON.stringify(value.slice(0, 60));
    throw new ValidationError(`invalid header X-Grafana-User: ${problem}`, [{ path: 'header.X-Grafana-User', message: `${problem}; got ${shown}${value.length > 60 ? '…' : ''}` }]);
  }
  return value;
}

/**
 * Who acts: the `X-Grafana-User` header when the request carries one, else the body's field
 * (`bodyField` names it in the error when neither is there).
 */
export function actingUser(req: Request, bodyUser: string | undefined, bodyField: string): string {
  const fromHeader = grafanaUser(req);
  if (fromHeader !== undefined) {
    return fromHeader;
  }
  if (bodyUser === undefined || bodyUser === '') {
    throw new ValidationError(`invalid body: ${bodyField}: says who acts (the Grafana user); required unless the request carries X-Grafana-User`, [
      { path: bodyField, message: 'says who acts (the Grafana user); required unless the request carries X-Grafana-User' },
    ]);
  }
  return bodyUser;
}
