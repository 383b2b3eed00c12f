import { createHash } from 'node:crypto';
import { and, asc, count, desc, eq, exists, getTableColumns, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { prepared } from '../../infra/db/prepared.js';
import { stockLevels, stockLocations } from '../inventory/index.js';
import { links } from '../links/index.js';
import { organizations } from '../organizations/index.js';
import { categories, products } from './catalog.tables.js';

/**
 * The product columns every ordinary select reads: all but `search_vector` (a large generated
 * `tsvector` only the search condition and the ranking use, inside the database).
 */
const { searchVector: _searchVector, ...productColumns } = getTableColumns(products);
export { productColumns };

/** A product row as the module reads it (no `search_vector`). */
export type ProductRow = Omit<typeof products.$inferSelect, 'searchVector'>;
export type CategoryRow = typeof categories.$inferSelect;

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
export interface SortTerm {
  key: SortKey | 'rank';
  desc: boolean;
}

/** The bound prefix `tsquery` (never text spliced into SQL). */
const tsQuery = (search: string) => sql`to_tsquery('simple', ${search})`;

/** ORDER BY terms for `sort`, with the id as tie-breaker (in the first term's direction) so pages are stable. */
function orderBy(sort: SortTerm[], search: string | null | undefined): SQL[] {
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
  return [...new Set(words)].slice(0, 16).map((w) => `${w}:*`).join(' & ');
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
const outerProductId = sql.raw('"products"."id"');

/** The category and all its descendants, as a recursive CTE inside the condition (`union` stops on any cycle). */
const inCategoryTree = (categoryId: string): SQL => sql`${products.categoryId} in (
  with recursive subtree(id) as (
    select c.id from ${categories} c where c.id = ${categoryId}
    union
    select c.id from ${categories} c join subtree s on c.parent_id = s.id
  ) select id from subtree)`;

/** Conditions shared by the staff list and the catalog (stock conditions differ and come apart). */
function commonConditions(f: ProductFilter): (SQL | undefined)[] {
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
  (await db.select({ product: productColumns, ...stockColumns() }).from(products).where(eq(products.id, id)))[0];

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

/* ---------- catalog (buyers) ---------- */

/**
 * Who browses the catalog. `all`: a platform admin sees every active supplier. Otherwise a
 * supplier is visible when public, when it is one of `supplierIds` (the viewer's own), or when one
 * of `consumerIds` has an accepted link with it.
 */
export interface Viewer {
  all: boolean;
  consumerIds: string[];
  supplierIds: string[];
}

/**
 * The visibility rule as SQL on a supplier id column, evaluated by the database (never ids loaded
 * and sent back). The viewer's own supplier ids and consumer ids travel as one array parameter
 * each (`= any($n::uuid[])`), so the statement text does not depend on how many there are.
 */
function visibleSupplier(db: Db, viewer: Viewer, supplierId: PgColumn, ids: { supplierIds: unknown; consumerIds: unknown } = viewer): SQL {
  if (viewer.all) return sql`true`;
  // An array inside sql`` would be spread into a list of parameters: pass it as ONE parameter.
  const one = (v: unknown) => (Array.isArray(v) ? sql.param(v) : v);
  return or(
    eq(organizations.catalogVisibility, 'public'),
    viewer.supplierIds.length > 0 ? sql`${supplierId} = any(${one(ids.supplierIds)}::uuid[])` : undefined,
    viewer.consumerIds.length > 0
      ? exists(
          db
            .select({ one: sql`1` })
            .from(links)
            .where(and(eq(links.supplierId, supplierId), eq(links.status, 'accepted'), sql`${links.consumerId} = any(${one(ids.consumerIds)}::uuid[])`)),
        )
      : undefined,
  )!;
}

/** Products a buyer may see: active, not archived, of an active supplier. */
const listable = and(eq(products.isActive, true), isNull(products.archivedAt), eq(organizations.isActive, true), eq(organizations.type, 'supplier'));

/** Stock levels buyers count: at active locations only, and at `locationId` only when given. */
const activeLevels = (locationId?: string) =>
  sql`from ${stockLevels} sl join ${stockLocations} loc on loc.id = sl.location_id
     where sl.product_id = ${outerProductId} and loc.is_active${locationId ? sql` and loc.id = ${locationId}` : sql``}`;

function catalogColumns(locationId?: string) {
  return {
    product: productColumns,
    supplierName: organizations.name,
    available: sql<number>`(select coalesce(sum(sl.on_hand - sl.reserved), 0)::int ${activeLevels(locationId)})`.mapWith(Number),
  };
}

/** The catalog conditions of a filter (no staff-only fields). */
function catalogConditions(f: ProductFilter): SQL | undefined {
  const some = f.inStock === undefined ? undefined : sql`exists (select 1 ${activeLevels(f.locationId)} and sl.on_hand > sl.reserved)`;
  return and(...commonConditions(f), some === undefined ? undefined : f.inStock ? some : sql`not ${some}`);
}

export type CatalogRow = { product: ProductRow; supplierName: string; available: number };

/** The catalog page query (products joined to their supplier, visibility in the WHERE). */
const catalogPage = (db: Db, where: SQL | undefined, f: ProductFilter, page: { sort: SortTerm[]; limit: number; offset: number }) =>
  db
    .select(catalogColumns(f.locationId))
    .from(products)
    .innerJoin(organizations, eq(organizations.id, products.supplierId))
    .where(where)
    .orderBy(...orderBy(page.sort, f.search))
    .limit(page.limit)
    .offset(page.offset);

/**
 * A catalog page over every supplier the viewer may see, and the total: two queries whatever the
 * page size or the number of suppliers. `available` and `in_stock` count active locations (only
 * `locationId` when given: an unknown or inactive location holds nothing).
 *
 * Both statements are prepared per *shape* (which filters are present, the sort, which kinds of
 * visibility the viewer has), with every value a placeholder: this is the busiest read of a store,
 * and building its SQL with Drizzle on every request cost more CPU than the rest of the request
 * (bench/RESULTS.md). At most a few hundred shapes exist; `prepared` stops caching beyond its cap.
 */
export async function listCatalog(db: Db, viewer: Viewer, f: ProductFilter, page: { sort: SortTerm[]; limit: number; offset: number }) {
  const shape = JSON.stringify([
    viewer.all, viewer.supplierIds.length > 0, viewer.consumerIds.length > 0,
    f.search === undefined ? 0 : f.search === null ? 1 : 2, !!f.categoryId, f.minPrice !== undefined, f.maxPrice !== undefined,
    f.inStock ?? null, !!f.locationId, page.sort,
  ]);
  const key = createHash('sha1').update(shape).digest('hex').slice(0, 16);
  const ph = (name: string) => sql.placeholder(name) as unknown as string;
  const pf: ProductFilter = {
    search: f.search ? ph('search') : f.search,
    categoryId: f.categoryId ? ph('category') : undefined,
    minPrice: f.minPrice !== undefined ? ph('min') : undefined,
    maxPrice: f.maxPrice !== undefined ? ph('max') : undefined,
    inStock: f.inStock,
    locationId: f.locationId ? ph('location') : undefined,
  };
  const ids = { supplierIds: sql.placeholder('suppliers'), consumerIds: sql.placeholder('consumers') };
  const where = (d: Db) => and(listable, visibleSupplier(d, viewer, products.supplierId, ids), catalogConditions(pf));
  const values = {
    search: f.search, category: f.categoryId, min: f.minPrice, max: f.maxPrice, location: f.locationId,
    suppliers: viewer.supplierIds, consumers: viewer.consumerIds, limit: page.limit, offset: page.offset,
  };
  const pageQuery = prepared(db, `catalog_page_${key}`, (d, name) =>
    d
      .select(catalogColumns(pf.locationId))
      .from(products)
      .innerJoin(organizations, eq(organizations.id, products.supplierId))
      .where(where(d))
      .orderBy(...orderBy(page.sort, pf.search))
      .limit(sql.placeholder('limit') as unknown as number)
      .offset(sql.placeholder('offset') as unknown as number)
      .prepare(name),
  );
  const countQuery = prepared(db, `catalog_count_${key}`, (d, name) =>
    d.select({ total: count() }).from(products).innerJoin(organizations, eq(organizations.id, products.supplierId)).where(where(d)).prepare(name),
  );
  const [items, [{ total }]] = await Promise.all([pageQuery.execute(values), countQuery.execute(values)]);
  return { items: items as CatalogRow[], total };
}

/** What the viewer may know about one supplier's catalog. */
export interface SupplierVisibility {
  isSupplier: boolean;
  isActive: boolean;
  catalogVisibility: 'linked' | 'public';
  visible: boolean;
}

/** The columns of `SupplierVisibility`, on the `organizations` row of the query. */
const visibilityColumns = (db: Db, viewer: Viewer) => ({
  isSupplier: sql<boolean>`${organizations.type} = 'supplier'`.mapWith(Boolean),
  isActive: organizations.isActive,
  catalogVisibility: organizations.catalogVisibility,
  visible: sql<boolean>`${visibleSupplier(db, viewer, organizations.id)}`.mapWith(Boolean),
});

/** One supplier's visibility to the viewer, in one query. */
export const supplierVisibility = async (db: Db, viewer: Viewer, supplierId: string): Promise<SupplierVisibility | undefined> =>
  (await db.select(visibilityColumns(db, viewer)).from(organizations).where(eq(organizations.id, supplierId)))[0];

/**
 * One supplier's catalog page plus, in a second query run alongside, the supplier's visibility to
 * the viewer and the total of matching products. The page itself carries the visibility condition,
 * so it is empty when the supplier is not visible. Two queries whatever the page size.
 */
export async function listSupplierCatalog(db: Db, viewer: Viewer, supplierId: string, f: ProductFilter, page: { sort: SortTerm[]; limit: number; offset: number }) {
  const conditions = catalogConditions(f);
  const pageWhere = and(listable, eq(products.supplierId, supplierId), visibleSupplier(db, viewer, products.supplierId), conditions);
  const totalWhere = and(eq(products.supplierId, organizations.id), eq(products.isActive, true), isNull(products.archivedAt), conditions);
  const [items, [supplier]] = await Promise.all([
    catalogPage(db, pageWhere, f, page),
    db
      .select({
        ...visibilityColumns(db, viewer),
        total: sql<number>`(${db.select({ n: count() }).from(products).where(totalWhere)})`.mapWith(Number),
      })
      .from(organizations)
      .where(eq(organizations.id, supplierId)),
  ]);
  return { items: items as CatalogRow[], supplier: supplier as (SupplierVisibility & { total: number }) | undefined };
}

/** One catalog product if the viewer may see it, one query. */
export const findCatalogProduct = async (db: Db, viewer: Viewer, id: string): Promise<CatalogRow | undefined> =>
  (
    await db
      .select(catalogColumns())
      .from(products)
      .innerJoin(organizations, eq(organizations.id, products.supplierId))
      .where(and(eq(products.id, id), listable, visibleSupplier(db, viewer, products.supplierId)))
  )[0] as CatalogRow | undefined;

/* ---------- categories ---------- */

/** A category of the supplier, or undefined (also for another supplier's category). */
export const findCategory = async (db: Db, supplierId: string, id: string): Promise<CategoryRow | undefined> =>
  (await db.select().from(categories).where(and(eq(categories.id, id), eq(categories.supplierId, supplierId))))[0];

/** A category by id, of any supplier (callers check access). */
export const findCategoryById = async (db: Db, id: string): Promise<CategoryRow | undefined> =>
  (await db.select().from(categories).where(eq(categories.id, id)))[0];

export type CategoryWithVisibility = { category: CategoryRow | null; supplier: SupplierVisibility | null; supplierId: string };

/**
 * A category by id with its supplier's visibility to the viewer, one query.
 * @returns undefined when no category has this id.
 */
export async function findCategoryForViewer(db: Db, viewer: Viewer, id: string): Promise<CategoryWithVisibility | undefined> {
  const row = (
    await db
      .select({ category: categories, supplier: visibilityColumns(db, viewer) })
      .from(categories)
      .innerJoin(organizations, eq(organizations.id, categories.supplierId))
      .where(eq(categories.id, id))
  )[0];
  return row && { category: row.category, supplier: row.supplier, supplierId: row.category.supplierId };
}

/**
 * A supplier's category by slug with the supplier's visibility to the viewer, one query (the
 * supplier row is read even when the slug is unknown, so callers can tell 404 from 403).
 * `slug` null matches nothing. @returns undefined when no organization has this id.
 */
export async function findCategoryBySlugForViewer(db: Db, viewer: Viewer, supplierId: string, slug: string | null): Promise<CategoryWithVisibility | undefined> {
  const row = (
    await db
      .select({ category: categories, supplier: visibilityColumns(db, viewer) })
      .from(organizations)
      .leftJoin(categories, and(eq(categories.supplierId, organizations.id), slug === null ? sql`false` : eq(categories.slug, slug)))
      .where(eq(organizations.id, supplierId))
  )[0];
  return row && { category: row.category, supplier: row.supplier, supplierId };
}

/**
 * The ancestors and the direct children of a category, in one query: the ancestors come from a
 * recursive CTE up the `parent_id` chain (`union`, so a cycle would end it), the children by
 * `parent_id`. @returns `ancestors` root first, `children` by name.
 */
export async function categoryFamily(db: Db, category: CategoryRow): Promise<{ ancestors: CategoryRow[]; children: CategoryRow[] }> {
  const chain = sql`${categories.id} in (
    with recursive up(id, parent_id) as (
      select c.id, c.parent_id from ${categories} c where c.id = ${category.parentId}
      union
      select c.id, c.parent_id from ${categories} c join up on c.id = up.parent_id
    ) select id from up)`;
  const rows =
    category.parentId === null
      ? await db.select().from(categories).where(eq(categories.parentId, category.id)).orderBy(asc(categories.name), asc(categories.id))
      : await db
          .select()
          .from(categories)
          .where(or(eq(categories.parentId, category.id), chain))
          .orderBy(asc(categories.name), asc(categories.id));
  const children = rows.filter((r) => r.parentId === category.id && r.id !== category.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ancestors: CategoryRow[] = [];
  const seen = new Set<string>([category.id]);
  for (let id = category.parentId; id !== null && !seen.has(id); ) {
    const parent = byId.get(id);
    if (!parent) break;
    seen.add(id);
    ancestors.unshift(parent);
    id = parent.parentId;
  }
  return { ancestors, children };
}

/** Inserts a category unless its slug is taken in the supplier. @returns the row, or undefined on a clash. */
export const insertCategory = async (db: Db, values: typeof categories.$inferInsert): Promise<CategoryRow | undefined> =>
  (await db.insert(categories).values(values).onConflictDoNothing({ target: [categories.supplierId, categories.slug] }).returning())[0];

/** `%q%` for ILIKE with `\`, `%` and `_` escaped. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A page of a supplier's categories by name, and the total. `parentId`: children of that category,
 * or roots when null; `q`: name contains (ILIKE, wildcards escaped); `activeOnly` for buyers.
 */
export async function listCategories(
  db: Db,
  supplierId: string,
  opts: { parentId?: string | null; q?: string; activeOnly: boolean; limit: number; offset: number },
) {
  const where = and(
    eq(categories.supplierId, supplierId),
    opts.parentId === undefined ? undefined : opts.parentId === null ? isNull(categories.parentId) : eq(categories.parentId, opts.parentId),
    opts.q ? ilike(categories.name, likePattern(opts.q)) : undefined,
    opts.activeOnly ? eq(categories.isActive, true) : undefined,
  );
  const [items, [{ total }]] = await Promise.all([
    db.select().from(categories).where(where).orderBy(asc(categories.name), asc(categories.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(categories).where(where),
  ]);
  return { items, total };
}

/** Every category of a supplier (active ones only with `activeOnly`), by name: one query for the whole tree. */
export const listAllCategories = (db: Db, supplierId: string, activeOnly: boolean): Promise<CategoryRow[]> =>
  db
    .select()
    .from(categories)
    .where(and(eq(categories.supplierId, supplierId), activeOnly ? eq(categories.isActive, true) : undefined))
    .orderBy(asc(categories.name), asc(categories.id));

/**
 * Serialises changes to one supplier's category tree until the transaction ends: a transaction
 * advisory lock keyed by (hash of "agora.categories", hash of the supplier id). Tree changes
 * (create under a parent, parent change, delete) take it `exclusive`; product writes that put a
 * product in a category take it `shared`, so a category cannot be deleted under them (and they
 * do not wait for each other). Run inside a transaction.
 */
export const lockCategoryTree = async (db: Db, supplierId: string, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> => {
  await db.execute(
    mode === 'shared'
      ? sql`select pg_advisory_xact_lock_shared(hashtext('agora.categories'), hashtext(${supplierId}))`
      : sql`select pg_advisory_xact_lock(hashtext('agora.categories'), hashtext(${supplierId}))`,
  );
};

/** True when `categoryId` is `startId` or one of its ancestors (recursive CTE up the `parent_id` chain). */
export async function isSelfOrAncestor(db: Db, categoryId: string, startId: string): Promise<boolean> {
  const [row] = await db
    .select({
      found: sql<boolean>`exists (
        with recursive up(id, parent_id) as (
          select c.id, c.parent_id from ${categories} c where c.id = ${startId}
          union
          select c.id, c.parent_id from ${categories} c join up on c.id = up.parent_id
        ) select 1 from up where up.id = ${categoryId})`.mapWith(Boolean),
    })
    .from(sql`(select 1) as one`);
  return row.found;
}

/** Updates a category of the supplier. @returns the row, or undefined when none matched. */
export const updateCategory = async (db: Db, supplierId: string, id: string, values: Partial<typeof categories.$inferInsert>) =>
  (
    await db
      .update(categories)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(categories.id, id), eq(categories.supplierId, supplierId)))
      .returning()
  )[0];

/** How many child categories and products not archived point at a category, one query. */
export async function categoryUsage(db: Db, id: string): Promise<{ children: number; products: number }> {
  const [row] = await db
    .select({
      children: sql<number>`(select count(*) from ${categories} c where c.parent_id = ${id})::int`.mapWith(Number),
      products: sql<number>`(select count(*) from ${products} p where p.category_id = ${id} and p.archived_at is null)::int`.mapWith(Number),
    })
    .from(sql`(select 1) as one`);
  return row;
}

/** Archived products of a category lose it (they keep no category). */
export const detachArchivedProducts = async (db: Db, id: string): Promise<void> => {
  await db.update(products).set({ categoryId: null, updatedAt: new Date() }).where(and(eq(products.categoryId, id), sql`${products.archivedAt} is not null`));
};

/**
 * Deletes a category of the supplier when nothing points at it any more (no child category, no
 * product). @returns false when no such category, or it is still in use.
 */
export const deleteUnusedCategory = async (db: Db, supplierId: string, id: string): Promise<boolean> =>
  (
    await db
      .delete(categories)
      .where(
        and(
          eq(categories.id, id),
          eq(categories.supplierId, supplierId),
          sql`not exists (select 1 from ${categories} c where c.parent_id = ${id})`,
          sql`not exists (select 1 from ${products} p where p.category_id = ${id})`,
        ),
      )
      .returning({ id: categories.id })
  ).length > 0;
