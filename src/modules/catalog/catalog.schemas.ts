import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Money, MoneyInput, Page, PageQuery, Timestamp, Uuid } from '../../infra/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/**
 * A nullable input. The app's Ajv coerces types and tries union branches in order: with `null`
 * first, `null` (and "") stays null instead of becoming "" through the string branch.
 */
const NullableInput = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
/** A nullable amount: `null` last, so that 0 stays 0 (Ajv would coerce 0 to null otherwise). */
const NullableMoneyInput = Type.Union([MoneyInput, Type.Null()]);

/** Free-form product attributes (colour, size, …): a JSON object. */
export const Attributes = Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form JSON object' });

const Sku = Type.String({ minLength: 1, maxLength: 100, description: 'Unique per supplier among products not archived; trimmed' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 5000 });
const Unit = Type.String({ minLength: 1, maxLength: 30, description: 'Unit of sale, e.g. each, kg, box (default each)' });
const ImageUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000, description: 'An http(s) URL' });
const SortParam = Type.String({
  maxLength: 200,
  description: 'Comma separated keys among name, price, created_at, sku; prefix with - for descending. Default -created_at',
  examples: ['price,-created_at'],
});

export const StockSummary = Type.Object({
  on_hand: Type.Integer({ description: 'Whole units, summed over the supplier\'s locations' }),
  reserved: Type.Integer(),
  available: Type.Integer({ description: 'on_hand - reserved' }),
});

/** A product as the supplier's staff see it (with cost price and stock). */
export const Product = Type.Object({
  id: Uuid,
  supplier_id: Uuid,
  sku: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  price: Money,
  cost_price: Nullable(Money),
  currency: Type.String({ description: 'ISO 4217, the supplier\'s currency' }),
  category_id: Nullable(Uuid),
  unit: Type.String(),
  image_url: Nullable(Type.String()),
  attributes: Attributes,
  is_active: Type.Boolean(),
  archived_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  stock: StockSummary,
});
export type ProductDto = Static<typeof Product>;
export const ProductPage = Page(Product);

export const CreateProductBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    sku: Sku,
    name: Name,
    description: Type.Optional(NullableInput(Description)),
    price: MoneyInput,
    cost_price: Type.Optional(NullableMoneyInput),
    category_id: Type.Optional(NullableInput(Uuid)),
    unit: Type.Optional(Unit),
    image_url: Type.Optional(NullableInput(ImageUrl)),
    is_active: Type.Optional(Type.Boolean()),
    initial_stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Whole units put at the default location' })),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false },
);
export type CreateProductInput = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Object(
  {
    sku: Type.Optional(Sku),
    name: Type.Optional(Name),
    description: Type.Optional(NullableInput(Description)),
    price: Type.Optional(MoneyInput),
    cost_price: Type.Optional(NullableMoneyInput),
    category_id: Type.Optional(NullableInput(Uuid)),
    unit: Type.Optional(Unit),
    image_url: Type.Optional(NullableInput(ImageUrl)),
    is_active: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProductInput = Static<typeof UpdateProductBody>;

export const ListProductsQuery = Type.Object({
  supplier_id: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive match on name or SKU' })),
  is_active: Type.Optional(Type.Boolean()),
  sort: Type.Optional(SortParam),
  ...PageQuery,
});
export type ListProductsQueryInput = Static<typeof ListProductsQuery>;

/** A product as buyers see it in the catalog: no cost price, stock as `available` only. */
export const CatalogProduct = Type.Object({
  id: Uuid,
  supplier: Type.Object({ id: Uuid, name: Type.String() }),
  sku: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  price: Money,
  currency: Type.String(),
  category_id: Nullable(Uuid),
  unit: Type.String(),
  image_url: Nullable(Type.String()),
  attributes: Attributes,
  available: Type.Integer({ description: 'Whole units available to order, summed over active locations' }),
  created_at: Timestamp,
});
export type CatalogProductDto = Static<typeof CatalogProduct>;
export const CatalogProductPage = Page(CatalogProduct);

export const CatalogQuery = Type.Object({
  supplier_id: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive match on name or SKU' })),
  sort: Type.Optional(SortParam),
  ...PageQuery,
});
export type CatalogQueryInput = Static<typeof CatalogQuery>;

export const Category = Type.Object({
  id: Uuid,
  supplier_id: Uuid,
  parent_id: Nullable(Uuid),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type CategoryDto = Static<typeof Category>;
export const CategoryPage = Page(Category);

export const CreateCategoryBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    name: Name,
    slug: Type.Optional(Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 60, description: 'Default: made from the name' })),
    parent_id: Type.Optional(NullableInput(Uuid)),
    description: Type.Optional(NullableInput(Description)),
  },
  { additionalProperties: false },
);
export type CreateCategoryInput = Static<typeof CreateCategoryBody>;

export const ListCategoriesQuery = Type.Object({ supplier_id: Type.Optional(Uuid), ...PageQuery });
