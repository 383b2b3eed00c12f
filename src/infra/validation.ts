import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { allErrors: true, removeAdditional: true, useDefaults: true, strict: false };

/** JSON bodies are typed already: `true` is not a quantity and `123` is not a name. No coercion. */
const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
/** Query strings and path parameters arrive as text: coerce to the schema's types. */
const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

/**
 * Fastify validator compiler: bodies are validated strictly, query strings, params and headers
 * with type coercion (DESIGN.md section 4: bad input is a 422, never silently fixed up).
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
