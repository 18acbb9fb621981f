import { types } from 'node:util';

/**
 * Named error classes. Each carries the HTTP status and machine code the API reports, so the
 * error middleware never guesses; a message always says what was wrong and where.
 */
export class AppError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal';
  readonly details?: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  override readonly status = 400;
  override readonly code = 'validation_failed';
}

export class BadJsonError extends AppError {
  override readonly status = 400;
  override readonly code = 'invalid_json';
}

export class UnauthorizedError extends AppError {
  override readonly status = 401;
  override readonly code = 'unauthorized';
  constructor(message = 'A valid "Authorization: Bearer <token>" header is required') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  override readonly status = 403;
  override readonly code = 'forbidden';
  constructor(message = 'This token may only read (GET); use the full API token to change anything') {
    super(message);
  }
}

export class NotFoundError extends AppError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

export class ConflictError extends AppError {
  override readonly status = 409;
  override readonly code: string;
  /** `code` narrows the conflict for clients, e.g. `invalid_transition`, `file_managed`. */
  constructor(message: string, details?: unknown, code = 'conflict') {
    super(message, details);
    this.code = code;
  }
}

export class PayloadTooLargeError extends AppError {
  override readonly status = 413;
  override readonly code = 'payload_too_large';
}

/** Configuration that cannot start the service (env variables, files). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The one place unknown throwables become Errors. */
export function coerceError(value: unknown): Error {
  // isNativeError also knows Errors of another realm (Node core's TLS errors seen from a vm context, as under jest).
  if (value instanceof Error || types.isNativeError(value)) {
    return value;
  }
  if (typeof value === 'string') {
    return new Error(value);
  }
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}
