/**
 * Application errors. Services throw `AppError`; the error handler (infra/http.ts) turns it into
 * an RFC 9457 problem+json response. `code` is UPPER_SNAKE and stable: clients switch on it.
 */
export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `/items/0/quantity`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** 401: not authenticated, or a bad token. */
export const unauthorized = (message = 'Authentication required', code = 'UNAUTHORIZED') => new AppError(401, code, message);
/** 403: authenticated but not allowed. */
export const forbidden = (message = 'You do not have permission to do this', code = 'FORBIDDEN') => new AppError(403, code, message);
/** 404: missing, or not visible to the caller (never reveal another tenant's objects). */
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
/** 409: a conflict with the current state (duplicate, invalid transition, stock). */
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, { details });
/** 422: well-formed but invalid; one entry per offending field. */
export const unprocessable = (errors: FieldError[], message = 'The request is invalid') => new AppError(422, 'VALIDATION_FAILED', message, { errors });
/** 409 `INVALID_STATUS_TRANSITION`. */
export const invalidTransition = (entity: string, from: string, to: string) =>
  conflict('INVALID_STATUS_TRANSITION', `${entity} cannot go from ${from} to ${to}`, { from, to });
