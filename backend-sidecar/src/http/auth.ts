import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors/errors';
import type { SidecarMetrics } from '../metrics/registry';

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison; hashing first makes the lengths equal so timingSafeEqual applies. */
export function tokensEqual(given: string, expected: string): boolean {
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

export type Access = 'full' | 'read';

export interface AuthOptions {
  apiToken: string;
  readOnlyToken?: string;
  metrics: SidecarMetrics;
  /** Whether the read-only token may call this method + path (route table decides). */
  readOnlyAllowed: (req: Request) => boolean;
}

/** The token of an `Authorization: Bearer <token>` header; undefined when there is none or it is malformed. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return (header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null)?.[1];
}

export function bearerAuth(opts: AuthOptions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const token = bearerTokenOf(header);
    if (token === undefined) {
      opts.metrics.authFailures.inc({ reason: header ? 'malformed' : 'missing' });
      return next(new UnauthorizedError());
    }
    let access: Access | undefined;
    if (tokensEqual(token, opts.apiToken)) {
      access = 'full';
    } else if (opts.readOnlyToken && tokensEqual(token, opts.readOnlyToken)) {
      access = 'read';
    }
    if (!access) {
      opts.metrics.authFailures.inc({ reason: 'wrong_token' });
      return next(new UnauthorizedError('The bearer token is not valid for this sidecar'));
    }
    if (access === 'read' && !opts.readOnlyAllowed(req)) {
      opts.metrics.authFailures.inc({ reason: 'read_only' });
      return next(new ForbiddenError());
    }
    res.locals.access = access;
    next();
  };
}
