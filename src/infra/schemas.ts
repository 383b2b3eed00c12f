import { Type, type TSchema } from '@sinclair/typebox';

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

/** `?limit=&offset=` (DESIGN.md section 4). */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
};

/** `{items, total, limit, offset}`. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

/** A list page as services return it. */
export interface PageResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
