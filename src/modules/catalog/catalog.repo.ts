import { and, asc, count, desc, eq, exists, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { stockLevels } from '../inventory/index.js';
import { links } from '../links/index.js';
import { organizations } from '../organizations/index.js';
import { categories, products } from './catalog.tables.js';

export type ProductRow = typeof products.$inferSelect;
export type CategoryRow = typeof categories.$inferSelect;

/** Sort keys a list accepts, each mapped to its column. */
export const SORT_COLUMNS = { name: products.name, price: products.price, created_at: products.createdAt, sku: products.sku } as const;
export type SortKey = keyof typeof SORT_COLUMNS;
export interface SortTerm {
  key: SortKey;
  desc: boolean;
}

/** ORDER BY terms for `sort`, with the id as tie-breaker so pages are stable. */
function orderBy(sort: SortTerm[]): SQL[] {
  const terms = sort.map((s) => (s.desc ? desc(SORT_COLUMNS[s.key]) : asc(SORT_COLUMNS[s.key])));
  terms.push(sort[0]?.desc ? desc(products.id) : asc(products.id));
  return terms;
}

/** `%q%` for ILIKE with `\`, `%` and `_` escaped. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const matches = (q: string | undefined) => (q ? or(ilike(products.name, likePattern(q)), ilike(products.sku, likePattern(q))) : undefined);

/* ---------- products (staff) ---------- */

/** One product by id, archived or not, any supplier (callers check access). */
export const findProductRow = async (db: Db, id: string): Promise<ProductRow | undefined> =>
  (await db.select().from(products).where(eq(products.id, id)))[0];

/** Products of `ids`, any supplier, archived or not, in one query (callers check ownership and state). */
export const findProductsByIds = (db: Db, ids: string[]): Promise<ProductRow[]> =>
  ids.length === 0 ? Promise.resolve([]) : db.select().from(products).where(inArray(products.id, ids));

/**
 * Products of `supplierId` among `ids`, in one query. With `orderableOnly` only active products
 * not archived come back; callers compare lengths to find the missing ones.
 */
export const findSupplierProducts = (db: Db, supplierId: string, ids: string[], opts: { orderableOnly?: boolean } = {}): Promise<ProductRow[]> =>
  ids.length === 0
    ? Promise.resolve([])
    : db
        .select()
        .from(products)
        .where(
          and(
            eq(products.supplierId, supplierId),
            inArray(products.id, ids),
            opts.orderableOnly ? and(eq(products.isActive, true), isNull(products.archivedAt)) : undefined,
          ),
        );

/**
 * The outer product's id, always table-qualified: Drizzle leaves columns unqualified in a
 * single-table select, and a bare "id" inside a correlated subquery could bind to the inner table.
 */
const outerProductId = sql.raw('"products"."id"');

/** Stock totals of the product row in the same statement (correlated sums over its levels). */
const stockColumns = {
  onHand: sql<number>`(select coalesce(sum(sl.on_hand), 0)::int from ${stockLevels} sl where sl.product_id = ${outerProductId})`.mapWith(Number),
  reserved: sql<number>`(select coalesce(sum(sl.reserved), 0)::int from ${stockLevels} sl where sl.product_id = ${outerProductId})`.mapWith(Number),
};

export type ProductWithStock = { product: ProductRow; onHand: number; reserved: number };

/** One product with its stock totals, one query. */
export const findProductWithStock = async (db: Db, id: string): Promise<ProductWithStock | undefined> =>
  (await db.select({ product: products, ...stockColumns }).from(products).where(eq(products.id, id)))[0];

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
      .returning()
  )[0];

/** True when a product not archived of the supplier, other than `exceptId`, has this SKU. */
export const skuTaken = async (db: Db, supplierId: string, sku: string, exceptId?: string) =>
  (
    await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.supplierId, supplierId), eq(products.sku, sku), isNull(products.archivedAt), exceptId ? sql`${products.id} <> ${exceptId}` : undefined))
      .limit(1)
  ).length > 0;

/** Updates a product that is not archived. @returns the row, or undefined when none matched. */
export const updateProduct = async (db: Db, id: string, values: Partial<typeof products.$inferInsert>) =>
  (await db.update(products).set({ ...values, updatedAt: new Date() }).where(and(eq(products.id, id), isNull(products.archivedAt))).returning())[0];

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
 * A page of the supplier's products not archived, with stock totals, and the total: two queries
 * whatever the page size.
 */
export async function listProducts(
  db: Db,
  supplierId: string,
  opts: { q?: string; isActive?: boolean; sort: SortTerm[]; limit: number; offset: number },
) {
  const where = and(
    eq(products.supplierId, supplierId),
    isNull(products.archivedAt),
    opts.isActive !== undefined ? eq(products.isActive, opts.isActive) : undefined,
    matches(opts.q),
  );
  const [items, [{ total }]] = await Promise.all([
    db.select({ product: products, ...stockColumns }).from(products).where(where).orderBy(...orderBy(opts.sort)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(products).where(where),
  ]);
  return { items, total };
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

/** The visibility rule as SQL on a supplier id column, evaluated by the database (never ids sent back). */
function visibleSupplier(db: Db, viewer: Viewer, supplierId: PgColumn): SQL {
  if (viewer.all) return sql`true`;
  return or(
    eq(organizations.catalogVisibility, 'public'),
    viewer.supplierIds.length > 0 ? inArray(supplierId, viewer.supplierIds) : undefined,
    viewer.consumerIds.length > 0
      ? exists(
          db
            .select({ one: sql`1` })
            .from(links)
            .where(and(eq(links.supplierId, supplierId), eq(links.status, 'accepted'), inArray(links.consumerId, viewer.consumerIds))),
        )
      : undefined,
  )!;
}

/** Products a buyer may see: active, not archived, of an active supplier. */
const listable = and(eq(products.isActive, true), isNull(products.archivedAt), eq(organizations.isActive, true), eq(organizations.type, 'supplier'));

const catalogColumns = {
  product: products,
  supplierName: organizations.name,
  available: sql<number>`(select coalesce(sum(sl.on_hand - sl.reserved), 0)::int
      from stock_levels sl join stock_locations loc on loc.id = sl.location_id
     where sl.product_id = ${outerProductId} and loc.is_active)`.mapWith(Number),
};

export type CatalogRow = { product: ProductRow; supplierName: string; available: number };

/** The catalog page query (products joined to their supplier, visibility in the WHERE). */
const catalogPage = (db: Db, where: SQL | undefined, opts: { sort: SortTerm[]; limit: number; offset: number }) =>
  db
    .select(catalogColumns)
    .from(products)
    .innerJoin(organizations, eq(organizations.id, products.supplierId))
    .where(where)
    .orderBy(...orderBy(opts.sort))
    .limit(opts.limit)
    .offset(opts.offset);

/**
 * A catalog page over every supplier the viewer may see, and the total: two queries whatever the
 * page size or the number of suppliers.
 */
export async function listCatalog(db: Db, viewer: Viewer, opts: { q?: string; sort: SortTerm[]; limit: number; offset: number }) {
  const where = and(listable, visibleSupplier(db, viewer, products.supplierId), matches(opts.q));
  const [items, [{ total }]] = await Promise.all([
    catalogPage(db, where, opts),
    db.select({ total: count() }).from(products).innerJoin(organizations, eq(organizations.id, products.supplierId)).where(where),
  ]);
  return { items: items as CatalogRow[], total };
}

/** What the viewer may know about one supplier's catalog. */
export interface SupplierVisibility {
  isSupplier: boolean;
  isActive: boolean;
  catalogVisibility: 'linked' | 'public';
  visible: boolean;
}

/** One supplier's visibility to the viewer, in one query. */
export const supplierVisibility = async (db: Db, viewer: Viewer, supplierId: string): Promise<SupplierVisibility | undefined> =>
  (
    await db
      .select({
        isSupplier: sql<boolean>`${organizations.type} = 'supplier'`.mapWith(Boolean),
        isActive: organizations.isActive,
        catalogVisibility: organizations.catalogVisibility,
        visible: sql<boolean>`${visibleSupplier(db, viewer, organizations.id)}`,
      })
      .from(organizations)
      .where(eq(organizations.id, supplierId))
  )[0];

/**
 * One supplier's catalog page plus, in a second query run alongside, the supplier's visibility to
 * the viewer and the total of matching products. The page itself carries the visibility condition,
 * so it is empty when the supplier is not visible. Two queries whatever the page size.
 */
export async function listSupplierCatalog(
  db: Db,
  viewer: Viewer,
  supplierId: string,
  opts: { q?: string; sort: SortTerm[]; limit: number; offset: number },
) {
  const productFilter = and(eq(products.isActive, true), isNull(products.archivedAt), matches(opts.q));
  const pageWhere = and(listable, eq(products.supplierId, supplierId), visibleSupplier(db, viewer, products.supplierId), matches(opts.q));
  const [items, [supplier]] = await Promise.all([
    catalogPage(db, pageWhere, opts),
    db
      .select({
        isSupplier: sql<boolean>`${organizations.type} = 'supplier'`.mapWith(Boolean),
        isActive: organizations.isActive,
        catalogVisibility: organizations.catalogVisibility,
        visible: sql<boolean>`${visibleSupplier(db, viewer, organizations.id)}`,
        total: sql<number>`(${db.select({ n: count() }).from(products).where(and(eq(products.supplierId, organizations.id), productFilter))})`.mapWith(Number),
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
      .select(catalogColumns)
      .from(products)
      .innerJoin(organizations, eq(organizations.id, products.supplierId))
      .where(and(eq(products.id, id), listable, visibleSupplier(db, viewer, products.supplierId)))
  )[0] as CatalogRow | undefined;

/* ---------- categories ---------- */

/** A category of the supplier, or undefined (also for another supplier's category). */
export const findCategory = async (db: Db, supplierId: string, id: string): Promise<CategoryRow | undefined> =>
  (await db.select().from(categories).where(and(eq(categories.id, id), eq(categories.supplierId, supplierId))))[0];

/** Inserts a category unless its slug is taken in the supplier. @returns the row, or undefined on a clash. */
export const insertCategory = async (db: Db, values: typeof categories.$inferInsert): Promise<CategoryRow | undefined> =>
  (await db.insert(categories).values(values).onConflictDoNothing({ target: [categories.supplierId, categories.slug] }).returning())[0];

/** A page of a supplier's categories by name, and the total. */
export async function listCategories(db: Db, supplierId: string, opts: { limit: number; offset: number }) {
  const where = eq(categories.supplierId, supplierId);
  const [items, [{ total }]] = await Promise.all([
    db.select().from(categories).where(where).orderBy(asc(categories.name), asc(categories.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(categories).where(where),
  ]);
  return { items, total };
}
