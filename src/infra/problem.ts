import { Type, type TSchema } from '@sinclair/typebox';

/** One bad field of a 422: where (`body/items/0/quantity`, `querystring/page`) and what is wrong. */
export const FieldError = Type.Object(
  {
    path: Type.String({
      description: 'Where: `body/…`, `querystring/…` or `params/…` followed by the JSON path of the field, e.g. `body/items/0/quantity`',
      examples: ['querystring/page'],
    }),
    message: Type.String({ examples: ['must NOT have additional properties'] }),
  },
  { title: 'FieldError' },
);

/**
 * RFC 9457 problem details as Agora sends them, always as `application/problem+json`
 * (docs/conventions.md, "Errors"). `code` is the stable value clients switch on.
 */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable UPPER_SNAKE code clients switch on; each operation lists its codes in `x-error-codes`' }),
    errors: Type.Optional(Type.Array(FieldError, { description: '422 only: every bad field' })),
    details: Type.Optional(Type.Unknown({ description: 'Machine-readable specifics of some codes, e.g. `lines` of `INSUFFICIENT_STOCK`' })),
    request_id: Type.String({ description: 'The X-Request-Id of the request' }),
  },
  {
    $id: 'Problem',
    description: 'application/problem+json',
    examples: [
      {
        type: 'https://agora.dev/problems/validation-failed',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'The request is invalid',
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'querystring/page', message: 'must NOT have additional properties' }],
        request_id: '0b7e3f0c-8d2a-4a59-9a57-1f4c2d9e6b10',
      },
    ],
  },
);

/** What each error status means, the description of its response in the OpenAPI document. */
export const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Malformed request (bad JSON, wrong content type)',
  401: 'Not authenticated, or a bad or expired token',
  403: 'Authenticated but not allowed',
  404: 'Not found, or not visible to you',
  409: 'Conflict with the current state of the data',
  413: 'The body is too large',
  414: 'A path parameter is too long',
  415: 'Unsupported content type',
  422: 'Validation failed; `errors` lists each field',
  429: 'Rate limited; see Retry-After',
  503: 'A dependency (the database) is unavailable',
};

/**
 * The code a status answers with on any route that declares it, when the route names none: the
 * error handler's defaults (infra/http.ts). 401 and the auth hook's 403 codes are added by the
 * OpenAPI transform from the route's `config.auth` (infra/openapi.ts); 409 has no generic code.
 */
const GENERIC_CODES: Readonly<Record<number, readonly string[]>> = {
  400: ['BAD_REQUEST'],
  403: ['FORBIDDEN'],
  404: ['NOT_FOUND'],
  413: ['PAYLOAD_TOO_LARGE'],
  414: ['URI_TOO_LONG'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  422: ['VALIDATION_FAILED'],
  429: ['RATE_LIMITED'],
  503: ['SERVICE_UNAVAILABLE'],
};

/** Where `problems(...)` keeps a response's codes: a symbol, so validation and serialisation never see it. */
const ERROR_CODES = Symbol.for('agora.problemCodes');

/** An error status (its generic codes), or statuses with exactly the codes the route answers. */
export type ProblemSpec = number | Readonly<Record<number, readonly string[]>>;

/**
 * Response schemas for the given error statuses, for a route's `schema.response`. A number
 * declares a status with its generic code (`404` → `NOT_FOUND`); an object lists exactly the codes
 * the route's service answers with a status, from its `@throws`:
 * `problems(400, 401, 404, 422, { 403: ['FORBIDDEN', 'NO_ACCEPTED_LINK'], 409: ['INSUFFICIENT_STOCK'] })`.
 * The OpenAPI document shows them in each response's description and in `x-error-codes`.
 */
export function problems(...specs: ProblemSpec[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const spec of specs) {
    const entries: [number, readonly string[]][] =
      typeof spec === 'number' ? [[spec, GENERIC_CODES[spec] ?? []]] : Object.entries(spec).map(([status, codes]) => [Number(status), codes]);
    for (const [status, codes] of entries) {
      const schema = Type.Ref('Problem', { description: PROBLEM_DESCRIPTIONS[status] ?? 'Error' });
      Object.defineProperty(schema, ERROR_CODES, { value: [...codes], enumerable: false });
      out[status] = schema;
    }
  }
  return out;
}

/** The codes `problems(...)` recorded on a response schema; undefined for any other schema. */
export function problemCodes(schema: unknown): readonly string[] | undefined {
  return typeof schema === 'object' && schema !== null ? (schema as Record<symbol, readonly string[]>)[ERROR_CODES] : undefined;
}
