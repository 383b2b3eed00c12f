import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { allErrors: true, removeAdditional: true, useDefaults: true, strict: false };

/** JSON bodies are typed already: `true` is not a quantity and `123` is not a name. No coercion. */
const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
/** Path parameters and headers arrive as text: coerce to the schema's types. */
const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
/**
 * Query strings are text too, but an unknown parameter is refused, not dropped: the query schemas
 * say `additionalProperties: false` (`Query(...)` in infra/schemas.ts) and nothing is removed, so
 * `?page=2` is a 422 naming `querystring/page` instead of a silently ignored typo.
 */
const queryAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false }));

/**
 * Fastify validator compiler: bodies are validated strictly (no coercion; unknown fields are
 * dropped), query strings with coercion and no unknown parameters, params and headers with
 * coercion. Bad input is a 422, never silently fixed up.
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : httpPart === 'querystring' ? queryAjv : textAjv).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
