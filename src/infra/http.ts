import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pgErrorOf, type PgError } from './db/errors.js';
import { AppError, type FieldError } from './errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** Sends an RFC 9457 problem+json response. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: { errors?: FieldError[]; details?: unknown } = {},
) {
  const body: Record<string, unknown> = {
    type: `https://agora.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    request_id: request.id,
  };
  if (extra.errors) body.errors = extra.errors;
  if (extra.details !== undefined) body.details = extra.details;
  return reply.code(status).header('X-Request-Id', request.id).type('application/problem+json').serializer(JSON.stringify).send(body);
}

/** Turns Ajv's validation errors into `{path, message}` entries. */
function fieldErrors(error: FastifyError): FieldError[] {
  const ctx = (error as { validationContext?: string }).validationContext ?? 'body';
  return (error.validation ?? []).map((v) => {
    let path = v.instancePath || '';
    const params = v.params;
    if (v.keyword === 'required' && typeof params.missingProperty === 'string') path = `${path}/${params.missingProperty}`;
    if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') path = `${path}/${params.additionalProperty}`;
    return { path: `${ctx}${path}`, message: v.message ?? 'is invalid' };
  });
}

/**
 * What of an error may be logged: name, code, constraint, table and the message without the SQL
 * parameters the driver and Drizzle append (they may hold password hashes or tokens).
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; code?: string; constraint?: string; table?: string; stack?: string; cause?: unknown };
  const strip = (m?: string) => m?.split(/\nparams:|params:/)[0]?.slice(0, 500);
  const cause = e.cause as { code?: string; constraint?: string; table?: string; message?: string } | undefined;
  return {
    type: e.name,
    message: strip(e.message),
    code: e.code ?? cause?.code,
    constraint: e.constraint ?? cause?.constraint,
    table: e.table ?? cause?.table,
    cause: cause ? strip(cause.message) : undefined,
    stack: e.stack
      ?.split('\n')
      .filter((l) => l.trimStart().startsWith('at '))
      .slice(0, 8)
      .join('\n'),
  };
}

/** PostgreSQL errors that are the client's fault, mapped to 4xx instead of 500. */
function fromDatabaseError(err: PgError): AppError | undefined {
  switch (err.code) {
    case '23505':
      return new AppError(409, 'DUPLICATE', 'A record with these values already exists');
    case '23503':
      return new AppError(409, 'REFERENCE_CONFLICT', 'The record refers to, or is referred to by, another record');
    case '23514':
      return new AppError(409, 'CONSTRAINT_VIOLATION', `The change breaks a rule of the data (${err.constraint ?? 'check'})`);
    case '22021':
    case '22P05':
      return new AppError(422, 'VALIDATION_FAILED', 'A text value contains a character that cannot be stored (such as NUL)');
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return new AppError(422, 'VALIDATION_FAILED', 'A value has the wrong format or is out of range');
    case '40001':
    case '40P01':
      return new AppError(409, 'CONCURRENT_UPDATE', 'The record was changed concurrently; retry the request');
    default:
      return undefined;
  }
}

/**
 * Errors Fastify raises before routing (a malformed URL, a path parameter over `maxParamLength`),
 * as problems too; pass as the `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void sendProblem(request, reply, status, status === 414 ? 'URI_TOO_LONG' : 'BAD_REQUEST', error.message);
}

/** Installs the problem+json error and not-found handlers. Bad input never becomes a 500. */
export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & { cause?: unknown }, request, reply) => {
    if (error instanceof AppError) {
      for (const [k, v] of Object.entries(error.extra.headers ?? {})) reply.header(k, v);
      return sendProblem(request, reply, error.status, error.code, error.message, error.extra);
    }
    if (error.validation) {
      return sendProblem(request, reply, 422, 'VALIDATION_FAILED', 'The request is invalid', { errors: fieldErrors(error) });
    }
    // Drizzle wraps driver errors: pgErrorOf looks at the cause too.
    const pg = pgErrorOf(error);
    const dbErr = pg && fromDatabaseError(pg);
    if (dbErr) {
      request.log.info({ err: loggableError(error) }, 'database rejected the request');
      return sendProblem(request, reply, dbErr.status, dbErr.code, dbErr.message);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: loggableError(error) }, 'unhandled error');
      return sendProblem(request, reply, 500, 'INTERNAL_ERROR', 'Something went wrong on our side; the request id helps us find it');
    }
    let detail = error.message;
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.name === 'SyntaxError') detail = 'The body is not valid JSON';
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') detail = 'The body is empty but Content-Type is application/json';
    return sendProblem(request, reply, status, CODES[status] ?? 'BAD_REQUEST', detail);
  });

  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
}
