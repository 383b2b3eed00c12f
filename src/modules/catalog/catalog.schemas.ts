import { Type, type Static } from '@sinclair/typebox';
import { Money, MoneyInput, Nullable, NullableInput, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';

/** A nullable amount: `null` last, so that 0 stays 0 (Ajv would coerce 0 to null otherwise). */
const NullableMoneyInput = Type.Union([MoneyInput, Type.Null()]);
/** The "was" price shown struck through; in the supplier currency; null clears it. */
const CompareAtInput = Type.Union([MoneyInput, Type.Null()], { description: 'The former ("was") price shown struck through; null: none' });

/** Free-form product attributes (colour, size, …): a JSON object. */
export const Attributes = Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form JSON object' });

const Sku = Type.String({ minLength: 1, maxLength: 100, description: 'Unique per supplier among products not archived; trimmed' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 5000 });
const Unit = Type.String({ minLength: 1, maxLength: 30, description: 'Unit of sale, e.g. each, kg, box (default each)' });
const ImageUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000, description: 'An http(s) URL' });
const sortParam = (keys: string) =>
  Type.String({
    maxLength: 200,
    description: `Comma separated keys among ${keys}; prefix with - for descending. Default: by relevance when \`q\` is given, else -created_at`,
    examples: ['price,-created_at'],
  });
/** A price bound in a query string: a decimal, compared exactly as numeric (never a float). */
const PriceBound = (description: string) => Type.String({ pattern: '^[0-9]{1,15}(\\.[0-9]{1,4})?$', maxLength: 20, description, examples: ['12.90'] });
const SearchText = Type.String({
  maxLength: 200,
  description:
    'Full-text prefix search over name, SKU (weight A) and description (weight B): the text is cut into words of letters ' +
    'and digits (any script), each matched as a prefix, all required. Text without a letter or digit matches nothing. ' +
    'Blank is ignored.',
  examples: ['app gala'],
});
const productFilters = {
  q: Type.Optional(SearchText),
  category_id: Type.Optional(Type.String({ format: 'uuid', description: 'The category and all its descendants' })),
  min_price: Type.Optional(PriceBound('Price at least this (inclusive), in the supplier currency')),
  max_price: Type.Optional(PriceBound('Price at most this (inclusive); 422 when below min_price')),
  in_stock: Type.Optional(Type.Boolean({ description: 'true: available > 0; false: available = 0 (at `location_id` when given)' })),
};

export const StockSummary = Type.Object(
  {
    on_hand: Type.Integer({ description: "Whole units, summed over the supplier's locations" }),
    reserved: Type.Integer(),
    available: Type.Integer({ description: 'on_hand - reserved' }),
  },
  { title: 'StockSummary' },
);

/** A product as the supplier's staff see it (with cost price and stock). */
export const Product = Type.Object(
  {
    id: Uuid,
    supplier_id: Uuid,
    sku: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    price: Money,
    cost_price: Nullable(Money),
    compare_at_price: Nullable(Money),
    currency: Type.String({ description: "ISO 4217, the supplier's currency" }),
    category_id: Nullable(Uuid),
    unit: Type.String(),
    image_url: Nullable(Type.String()),
    attributes: Attributes,
    is_active: Type.Boolean(),
    archived_at: Nullable(Timestamp),
    created_by: Nullable(Uuid),
    created_at: Timestamp,
    updated_at: Timestamp,
    stock: StockSummary,
  },
  { title: 'Product', description: "A product as the supplier's staff see it, with cost price and stock" },
);
export type ProductDto = Static<typeof Product>;
export const ProductPage = Page(Product, 'ProductPage');

export const CreateProductBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    sku: Sku,
    name: Name,
    description: Type.Optional(NullableInput(Description)),
    price: MoneyInput,
    cost_price: Type.Optional(NullableMoneyInput),
    compare_at_price: Type.Optional(CompareAtInput),
    category_id: Type.Optional(NullableInput(Uuid)),
    unit: Type.Optional(Unit),
    image_url: Type.Optional(NullableInput(ImageUrl)),
    is_active: Type.Optional(Type.Boolean()),
    initial_stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Whole units put at the default location' })),
    attributes: Type.Optional(Attributes),
  },
  {
    additionalProperties: false,
    title: 'CreateProductBody',
    examples: [{ sku: 'DAIRY-001', name: 'Milk 3% 1 l', price: '6.90', cost_price: '4.10', unit: 'each', initial_stock: 120, attributes: { fat: '3%' } }],
  },
);
export type CreateProductInput = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Object(
  {
    sku: Type.Optional(Sku),
    name: Type.Optional(Name),
    description: Type.Optional(NullableInput(Description)),
    price: Type.Optional(MoneyInput),
    cost_price: Type.Optional(NullableMoneyInput),
    compare_at_price: Type.Optional(CompareAtInput),
    category_id: Type.Optional(NullableInput(Uuid)),
    unit: Type.Optional(Unit),
    image_url: Type.Optional(NullableInput(ImageUrl)),
    is_active: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateProductBody' },
);
export type UpdateProductInput = Static<typeof UpdateProductBody>;

export const ListProductsQuery = Query({
  supplier_id: Type.Optional(Uuid),
  ...productFilters,
  location_id: Type.Optional(Type.String({ format: 'uuid', description: 'Stock figures and in_stock at this location of the supplier only (422 otherwise)' })),
  is_active: Type.Optional(Type.Boolean()),
  created_by: Type.Optional(Type.String({ format: 'uuid', description: 'Products created by this user' })),
  sort: Type.Optional(sortParam('name, price, cost_price, created_at, sku')),
  ...PageQuery,
});
export type ListProductsQueryInput = Static<typeof ListProductsQuery>;

/** A product as buyers see it in the catalog: no cost price, stock as `available` only. */
export const CatalogProduct = Type.Object(
  {
    id: Uuid,
    supplier: Type.Object({ id: Uuid, name: Type.String() }, { title: 'SupplierRef' }),
    sku: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    price: Money,
    compare_at_price: Nullable(Money),
    currency: Type.String(),
    category_id: Nullable(Uuid),
    unit: Type.String(),
    image_url: Nullable(Type.String()),
    attributes: Attributes,
    available: Type.Integer({ description: 'Whole units available to order, summed over active locations' }),
    created_at: Timestamp,
  },
  { title: 'CatalogProduct', description: 'A product as buyers see it: no cost price, stock as `available` only' },
);
export type CatalogProductDto = Static<typeof CatalogProduct>;
export const CatalogProductPage = Page(CatalogProduct, 'CatalogProductPage', {
  examples: [
    {
      items: [
        {
          id: '01920a6e-5a6b-7c8d-9e0f-123456789abc',
          supplier: { id: '01920a6e-3c4d-7b8e-9f01-23456789abcd', name: 'Mami Supermarket' },
          sku: 'DAIRY-001',
          name: 'Milk 3% 1 l',
          description: 'Fresh milk, 3% fat',
          price: '6.90',
          compare_at_price: '7.50',
          currency: 'ILS',
          category_id: '01920a6e-0a1b-7c2d-8e3f-456789abcdef',
          unit: 'each',
          image_url: null,
          attributes: { fat: '3%' },
          available: 118,
          created_at: '2024-04-02T08:00:00.000Z',
        },
      ],
      total: 109,
      limit: 1,
      offset: 0,
    },
  ],
});

export const CatalogQuery = Query({
  supplier_id: Type.Optional(Uuid),
  ...productFilters,
  location_id: Type.Optional(
    Type.String({
      format: 'uuid',
      description: '`available` and in_stock at this location only; an unknown or inactive location holds nothing',
    }),
  ),
  sort: Type.Optional(sortParam('name, price, created_at, sku (cost_price is refused)')),
  ...PageQuery,
});
export type CatalogQueryInput = Static<typeof CatalogQuery>;

const Slug = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 60,
  description: 'Lowercase letters, digits and single hyphens; unique per supplier; not shaped like a UUID',
});

const categoryFields = {
  id: Uuid,
  supplier_id: Uuid,
  parent_id: Nullable(Uuid),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  is_active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const Category = Type.Object(categoryFields, { title: 'Category' });
export type CategoryDto = Static<typeof Category>;

/** A category with its subtree: `children` nested to any depth (GET /categories?tree=true). */
export const CategoryNode = Type.Recursive(
  (This) => Type.Object({ ...categoryFields, children: Type.Optional(Type.Array(This, { description: 'Sub-categories by name (tree=true only)' })) }),
  { $id: 'CategoryNode' },
);
export type CategoryNodeDto = Static<typeof CategoryNode>;

/** A list of categories: a page, or with tree=true the root categories with nested children. */
export const CategoryList = Type.Object(
  {
    items: Type.Array(CategoryNode),
    total: Type.Integer({ description: 'Matching categories; with tree=true, every category in the tree' }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  },
  { title: 'CategoryList' },
);

/** One category with its ancestors (root first) and its direct children (by name). */
export const CategoryDetail = Type.Object(
  {
    ...categoryFields,
    ancestors: Type.Array(Category, { description: 'From the root down to the parent' }),
    children: Type.Array(Category, { description: 'Direct sub-categories by name' }),
  },
  { title: 'CategoryDetail' },
);
export type CategoryDetailDto = Static<typeof CategoryDetail>;

export const CreateCategoryBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    name: Name,
    slug: Type.Optional(Slug),
    parent_id: Type.Optional(NullableInput(Uuid)),
    description: Type.Optional(NullableInput(Description)),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, title: 'CreateCategoryBody' },
);
export type CreateCategoryInput = Static<typeof CreateCategoryBody>;

export const UpdateCategoryBody = Type.Object(
  {
    name: Type.Optional(Name),
    slug: Type.Optional(Slug),
    description: Type.Optional(NullableInput(Description)),
    parent_id: Type.Optional(NullableInput(Uuid)),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, title: 'UpdateCategoryBody' },
);
export type UpdateCategoryInput = Static<typeof UpdateCategoryBody>;

export const ListCategoriesQuery = Query({
  supplier_id: Type.Optional(Uuid),
  tree: Type.Optional(Type.Boolean({ description: 'true: the whole tree (roots with nested children), no paging' })),
  parent_id: Type.Optional(
    Type.Union([Type.Literal('null'), Type.String({ format: 'uuid' })], { description: 'Children of this category; `null` for the roots' }),
  ),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Name contains (case-insensitive)' })),
  ...PageQuery,
});
export type ListCategoriesQueryInput = Static<typeof ListCategoriesQuery>;

/**
 * `GET /categories/{id}`: the id, or a slug. The parameter is named `id` as in `PATCH` and `DELETE`
 * on the same path (an OpenAPI document may not hold one path under two parameter names).
 */
export const CategoryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, description: 'A category id; anything that is not a UUID is looked up as a slug of `supplier_id`' }),
});
export const CategoryQuery = Query({
  supplier_id: Type.Optional(Type.String({ format: 'uuid', description: 'The supplier of a slug (default: your only supplier)' })),
});

export const BySkuParams = Type.Object({ sku: Type.String({ minLength: 1, maxLength: 100 }) });
export const BySkuQuery = Query({
  supplier_id: Type.Optional(Type.String({ format: 'uuid', description: 'Needed only when you belong to several suppliers' })),
});

/** How the product lists (staff list and buyer catalog) search, filter and sort: shared by their route descriptions. */
export const SEARCH_RULES =
  '`q` is a full-text prefix search over name and SKU (weight A) and description (weight B): the text is cut into words ' +
  'of letters and digits in any script, each must match the start of a word ("app" finds "Apples Gala", "fr-00" finds SKU FR-001); ' +
  'text without a letter or digit matches nothing. With `q` and no `sort`, results come by relevance (`ts_rank_cd`), then id. ' +
  '`category_id` includes every descendant category. `min_price`/`max_price` are inclusive decimals compared exactly (422 when ' +
  'min_price > max_price). `in_stock=true`: available > 0, `false`: available = 0. `sort` takes several keys in order ' +
  '(`price,-created_at`). Two queries per page whatever its size.';
