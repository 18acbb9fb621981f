import type { NextFunction, Request, Response } from 'express';
import { AppError, BadJsonError, PayloadTooLargeError, coerceError } from '../errors/errors';
import type { Logger } from '../log/logger';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Maps any error to `{"error":{code,message,details}}`; never a stack trace. */
export function errorHandler(log: Logger) {
  return (raw: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let error = coerceError(raw) as BodyParserError;
    if (error.type === 'entity.parse.failed') {
      error = new BadJsonError(`request body is not valid JSON: ${error.message}`);
    } else if (error.type === 'entity.too.large') {
      error = new PayloadTooLargeError(`request body is larger than the limit of ${error.limit ?? 'the configured'} bytes`);
    } else if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      error = new BadJsonError(error.message);
    }
    if (error instanceof AppError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
      return;
    }
    if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      res.status(error.status).json({ error: { code: 'bad_request', message: error.message } });
      return;
    }
    log.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error in request');
    if (!res.headersSent) {
      res.status(500).json({ error: { code: 'internal', message: 'internal error; the sidecar log has the details' } });
    }
  };
}
