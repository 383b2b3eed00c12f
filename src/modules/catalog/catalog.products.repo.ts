/**
 * Product queries: the column set, sorting and filters every product list shares (staff list and
 * buyer catalog), and the staff side (CRUD, list with stock totals).
 */
import { and, asc, count, desc, eq, getTableColumns, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import type { SortTerm as Term } from '../../infra/sort.js';
import { stockLevels, stockLocations } from '../stock/index.js';
import { categories, products } from './catalog.tables.js';

/**
 * The product columns every ordinary select reads: all but `search_vector` (a large generated
 * `tsvector` only the search condition and the ranking use, inside the database).
 */
const { searchVector: _searchVector, ...productColumns } = getTableColumns(products);
export { productColumns };

/** A product row as the module reads it (no `search_vector`). */
export type ProductRow = Omit<typeof products.$inferSelect, 'searchVector'>;

/* ---------- sorting ---------- */

/** Sort keys a list accepts, each mapped to its column. `cost_price` is for staff lists only. */
export const SORT_COLUMNS = {
  name: products.name,
  price: products.price,
  created_at: products.createdAt,
  sku: products.sku,
  cost_price: products.costPrice,
} as const;
export type SortKey = keyof typeof SORT_COLUMNS;
/** One ORDER BY term; `rank` (full-text relevance, descending) is the service's default when searching. */
export type SortTerm = Term<SortKey | 'rank'>;

/** The bound prefix `tsquery` (never text spliced into SQL). */
const tsQuery = (search: string) => sql`to_tsquery('simple', ${search})`;

/** ORDER BY terms for `sort`, with the id as tie-breaker (in the first term's direction) so pages are stable. */
export function orderBy(sort: SortTerm[], search: string | null | undefined): SQL[] {
  const terms: SQL[] = [];
  for (const s of sort) {
    if (s.key === 'rank') {
      if (search) terms.push(sql`ts_rank_cd(${products.searchVector}, ${tsQuery(search)}) desc`);
      continue;
    }
    const column = SORT_COLUMNS[s.key];
    // The only nullable key: products without a cost price come last either way.
    if (s.key === 'cost_price') terms.push(s.desc ? sql`${column} desc nulls last` : sql`${column} asc nulls last`);
    else terms.push(s.desc ? desc(column) : asc(column));
  }
  terms.push(sort[0]?.desc ? desc(products.id) : asc(products.id));
  return terms;
}

/* ---------- filters ---------- */

/**
 * The prefix `tsquery` for user text: the text is cut into runs of letters and digits (any
 * script: Latin, Hebrew, Cyrillic, …; combining marks stay in their word), at most 16 of them,
 * each becomes `word:*`, joined with `&`. The words hold no `tsquery` operator, and the result is
 * sent as a bound parameter. The search document (catalog.tables.ts) is cut the same way.
 * @returns the query text, or null when the text holds no letter or digit (it matches nothing).
 */
export function prefixQuery(text: string): string | null {
  const words = text.normalize('NFC').match(/[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu) ?? [];
  if (words.length === 0) return null;
  return [...new Set(words)]
    .slice(0, 16)
    .map((w) => `${w}:*`)
    .join(' & ');
}

/**
 * What a product list may be filtered by. Prices are decimal strings compared as `numeric`
 * (exact); `search` is a `prefixQuery` result (null: no usable word, nothing matches).
 */
export interface ProductFilter {
  search?: string | null;
  categoryId?: string;
  minPrice?: string;
  maxPrice?: string;
  inStock?: boolean;
  locationId?: string;
  /** Staff only. */
  isActive?: boolean;
  /** Staff only: the creating user's id. */
  createdBy?: string;
}

/**
 * The outer product's id, always table-qualified: Drizzle leaves columns unqualified in a
 * single-table select, and a bare "id" inside a correlated subquery could bind to the inner table.
 */
export const outerProductId = sql.raw('"products"."id"');

/** The category and all its descendants, as a recursive CTE inside the condition (`union` stops on any cycle). */
const inCategoryTree = (categoryId: string): SQL => sql`${products.categoryId} in (
  with recursive subtree(id) as (
    select c.id from ${categories} c where c.id = ${categoryId}
    union
    select c.id from ${categories} c join subtree s on c.parent_id = s.id
  ) select id from subtree)`;

/** Conditions shared by the staff list and the catalog (stock conditions differ and come apart). */
export function commonConditions(f: ProductFilter): (SQL | undefined)[] {
  return [
    f.search === undefined ? undefined : f.search === null ? sql`false` : sql`${products.searchVector} @@ ${tsQuery(f.search)}`,
    f.categoryId ? inCategoryTree(f.categoryId) : undefined,
    f.minPrice !== undefined ? sql`${products.price} >= ${f.minPrice}::numeric` : undefined,
    f.maxPrice !== undefined ? sql`${products.price} <= ${f.maxPrice}::numeric` : undefined,
  ];
}

/* ---------- products (staff) ---------- */

/** One product by id, archived or not, any supplier (callers check access). */
export const findProductRow = async (db: Db, id: string): Promise<ProductRow | undefined> =>
  (await db.select(productColumns).from(products).where(eq(products.id, id)))[0];

/** Products of `ids`, any supplier, archived or not, in one query (callers check ownership and state). */
export const findProductsByIds = (db: Db, ids: string[]): Promise<ProductRow[]> =>
  ids.length === 0 ? Promise.resolve([]) : db.select(productColumns).from(products).where(inArray(products.id, ids));

/**
 * Products of `supplierId` among `ids`, in one query. With `orderableOnly` only active products
 * not archived come back; callers compare lengths to find the missing ones.
 */
export const findSupplierProducts = (db: Db, supplierId: string, ids: string[], opts: { orderableOnly?: boolean } = {}): Promise<ProductRow[]> =>
  ids.length === 0
    ? Promise.resolve([])
    : db
        .select(productColumns)
        .from(products)
        .where(
          and(
            eq(products.supplierId, supplierId),
            inArray(products.id, ids),
            opts.orderableOnly ? and(eq(products.isActive, true), isNull(products.archivedAt)) : undefined,
          ),
        );

/** Stock totals of the product row in the same statement (correlated sums over its levels, or one location's). */
function stockColumns(locationId?: string) {
  const at = locationId ? sql` and sl.location_id = ${locationId}` : sql``;
  return {
    onHand: sql<number>`(select coalesce(sum(sl.on_hand), 0)::int from ${stockLevels} sl where sl.product_id = ${outerProductId}${at})`.mapWith(Number),
    reserved: sql<number>`(select coalesce(sum(sl.reserved), 0)::int from ${stockLevels} sl where sl.product_id = ${outerProductId}${at})`.mapWith(Number),
  };
}

/** `in_stock` for staff: some level (at the location, when given) has on_hand > reserved; any location, active or not. */
function staffInStock(inStock: boolean, locationId?: string): SQL {
  const at = locationId ? sql` and sl.location_id = ${locationId}` : sql``;
  const some = sql`exists (select 1 from ${stockLevels} sl where sl.product_id = ${outerProductId} and sl.on_hand > sl.reserved${at})`;
  return inStock ? some : sql`not ${some}`;
}

export type ProductWithStock = { product: ProductRow; onHand: number; reserved: number };

/** One product with its stock totals, one query. */
export const findProductWithStock = async (db: Db, id: string): Promise<ProductWithStock | undefined> =>
  (
    await db
      .select({ product: productColumns, ...stockColumns() })
      .from(products)
      .where(eq(products.id, id))
  )[0];

/** The supplier's product not archived with this SKU, with stock totals, one query (seed 003's `GET /product/{sku}`). */
export const findProductBySku = async (db: Db, supplierId: string, sku: string): Promise<ProductWithStock | undefined> =>
  (
    await db
      .select({ product: productColumns, ...stockColumns() })
      .from(products)
      .where(and(eq(products.supplierId, supplierId), eq(products.sku, sku), isNull(products.archivedAt)))
  )[0];

/**
 * Inserts a product unless a product not archived of the same supplier has its SKU (the partial
 * unique index `products_supplier_sku_key` decides). @returns the row, or undefined on a SKU clash.
 */
export const insertProduct = async (db: Db, values: typeof products.$inferInsert): Promise<ProductRow | undefined> =>
  (
    await db
      .insert(products)
      .values(values)
      .onConflictDoNothing({ target: [products.supplierId, products.sku], where: sql`${products.archivedAt} is null` })
      .returning(productColumns)
  )[0];

/** True when a product not archived of the supplier, other than `exceptId`, has this SKU. */
export const skuTaken = async (db: Db, supplierId: string, sku: string, exceptId?: string) =>
  (
    await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.supplierId, supplierId), eq(products.sku, sku), isNull(products.archivedAt), exceptId ? ne(products.id, exceptId) : undefined))
      .limit(1)
  ).length > 0;

/** Updates a product that is not archived. @returns the row, or undefined when none matched. */
export const updateProduct = async (db: Db, id: string, values: Partial<typeof products.$inferInsert>): Promise<ProductRow | undefined> =>
  (
    await db
      .update(products)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(products.id, id), isNull(products.archivedAt)))
      .returning(productColumns)
  )[0];

/** Archives a product (not orderable, not listed, SKU free again). @returns false when already archived. */
export const archiveProduct = async (db: Db, id: string) =>
  (
    await db
      .update(products)
      .set({ archivedAt: new Date(), isActive: false, updatedAt: new Date() })
      .where(and(eq(products.id, id), isNull(products.archivedAt)))
      .returning({ id: products.id })
  ).length > 0;

/**
 * A page of the supplier's products not archived, with stock totals (at `locationId` only when
 * given), and in a second query run alongside the total plus two checks of the filter's references:
 * `locationOk` (the location is one of the supplier's) and `categoryOk` (the category is one of
 * the supplier's). Two queries whatever the page size; the callers refuse bad references.
 */
export async function listProducts(db: Db, supplierId: string, f: ProductFilter, page: { sort: SortTerm[]; limit: number; offset: number }) {
  const where = and(
    eq(products.supplierId, supplierId),
    isNull(products.archivedAt),
    f.isActive !== undefined ? eq(products.isActive, f.isActive) : undefined,
    f.createdBy ? eq(products.createdBy, f.createdBy) : undefined,
    ...commonConditions(f),
    f.inStock !== undefined ? staffInStock(f.inStock, f.locationId) : undefined,
  );
  const [items, [meta]] = await Promise.all([
    db
      .select({ product: productColumns, ...stockColumns(f.locationId) })
      .from(products)
      .where(where)
      .orderBy(...orderBy(page.sort, f.search))
      .limit(page.limit)
      .offset(page.offset),
    db
      .select({
        total: count(),
        locationOk: f.locationId
          ? sql<boolean>`exists (select 1 from ${stockLocations} l where l.id = ${f.locationId} and l.supplier_id = ${supplierId})`
          : sql<boolean>`true`,
        categoryOk: f.categoryId
          ? sql<boolean>`exists (select 1 from ${categories} c where c.id = ${f.categoryId} and c.supplier_id = ${supplierId})`
          : sql<boolean>`true`,
      })
      .from(products)
      .where(where),
  ]);
  return { items, total: meta.total, locationOk: Boolean(meta.locationOk), categoryOk: Boolean(meta.categoryOk) };
}
