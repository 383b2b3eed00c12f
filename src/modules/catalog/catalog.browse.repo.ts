/**
 * The buyer catalog's queries: who may see which supplier (the visibility rule, in the SQL), catalog
 * pages over every visible supplier or one, one catalog product.
 */
import { createHash } from 'node:crypto';
import { and, count, eq, exists, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { prepared } from '../../infra/db/prepared.js';
import { links } from '../links/index.js';
import { organizations } from '../organizations/index.js';
import { stockLevels, stockLocations } from '../stock/index.js';
import { commonConditions, orderBy, outerProductId, productColumns, type ProductFilter, type ProductRow, type SortTerm } from './catalog.products.repo.js';
import { products } from './catalog.tables.js';

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
export function visibleSupplier(db: Db, viewer: Viewer, supplierId: PgColumn, ids: { supplierIds: unknown; consumerIds: unknown } = viewer): SQL {
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
    viewer.all,
    viewer.supplierIds.length > 0,
    viewer.consumerIds.length > 0,
    f.search === undefined ? 0 : f.search === null ? 1 : 2,
    !!f.categoryId,
    f.minPrice !== undefined,
    f.maxPrice !== undefined,
    f.inStock ?? null,
    !!f.locationId,
    page.sort,
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
    search: f.search,
    category: f.categoryId,
    min: f.minPrice,
    max: f.maxPrice,
    location: f.locationId,
    suppliers: viewer.supplierIds,
    consumers: viewer.consumerIds,
    limit: page.limit,
    offset: page.offset,
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
export const visibilityColumns = (db: Db, viewer: Viewer) => ({
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
export async function listSupplierCatalog(
  db: Db,
  viewer: Viewer,
  supplierId: string,
  f: ProductFilter,
  page: { sort: SortTerm[]; limit: number; offset: number },
) {
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
  )[0];
