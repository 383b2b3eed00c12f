import { Type, type ObjectOptions, type TProperties, type TSchema } from '@sinclair/typebox';

/** A UUID. */
export const Uuid = Type.String({ format: 'uuid' });

/** A value or null, in a response (`null` last), with an optional description on the union. */
export const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});

/**
 * A nullable input. Query strings are coerced and union branches tried in order: with `null`
 * first, `null` stays null instead of becoming "" through a string branch. (Amounts put `null`
 * last instead, so that 0 stays 0.)
 */
export const NullableInput = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

/** `{id}` path parameter. */
export const IdParams = Type.Object({ id: Uuid });

/** An ISO 8601 UTC timestamp in a response. */
export const Timestamp = Type.String({ format: 'date-time' });

/** Money in a request: a decimal string or a number, at most 4 decimals, checked exactly in the service. */
export const MoneyInput = Type.Union([
  Type.String({ pattern: '^-?[0-9]{1,15}(\\.[0-9]{1,4})?$', description: 'Decimal amount, e.g. "15000.00"' }),
  Type.Number(),
]);

/** Money in a response: a decimal string with the currency's minor digits. */
export const Money = Type.String({ description: 'Decimal amount in the currency of the document, e.g. "15000.00"', examples: ['15000.00'] });

/**
 * `?limit=&offset=` (docs/conventions.md, "API shapes"). Both have defaults: the OpenAPI document
 * marks them optional (infra/openapi.ts), though the parsed query always holds them.
 */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1..100)' }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0, description: 'Items to skip' }),
};

/**
 * A query string schema: an object that refuses unknown parameters (`?page=2` where no `page` is
 * declared is a 422 at `querystring/page`). Every route's `querystring` is declared with it; routes
 * under `/api/` without one get an empty one (infra/openapi.ts).
 */
export const Query = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { ...options, additionalProperties: false });

/**
 * `{items, total, limit, offset}`. `title` names the page in the OpenAPI document
 * (`components.schemas.<title>`), e.g. `OrderPage`; `options` may add `examples`.
 */
export const Page = <T extends TSchema>(item: T, title?: string, options: ObjectOptions = {}) =>
  Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ description: 'Items matching the request, all pages together' }),
      limit: Type.Integer(),
      offset: Type.Integer(),
    },
    { ...(title ? { title } : {}), ...options },
  );

/** A list page as services return it. */
export interface PageResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
