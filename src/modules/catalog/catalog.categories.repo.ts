/** Category queries: a supplier's tree (paged, whole, one node with its family), its lock, its writes. */
import { and, asc, count, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { containsPattern } from '../../infra/db/like.js';
import { organizations } from '../organizations/index.js';
import { visibilityColumns, type SupplierVisibility, type Viewer } from './catalog.browse.repo.js';
import { categories, products } from './catalog.tables.js';

export type CategoryRow = typeof categories.$inferSelect;

/** A category of the supplier, or undefined (also for another supplier's category). */
export const findCategory = async (db: Db, supplierId: string, id: string): Promise<CategoryRow | undefined> =>
  (
    await db
      .select()
      .from(categories)
      .where(and(eq(categories.id, id), eq(categories.supplierId, supplierId)))
  )[0];

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
export async function findCategoryBySlugForViewer(
  db: Db,
  viewer: Viewer,
  supplierId: string,
  slug: string | null,
): Promise<CategoryWithVisibility | undefined> {
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
  for (let id = category.parentId; id !== null && !seen.has(id);) {
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
  (
    await db
      .insert(categories)
      .values(values)
      .onConflictDoNothing({ target: [categories.supplierId, categories.slug] })
      .returning()
  )[0];

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
    opts.q ? ilike(categories.name, containsPattern(opts.q)) : undefined,
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
  await db
    .update(products)
    .set({ categoryId: null, updatedAt: new Date() })
    .where(and(eq(products.categoryId, id), sql`${products.archivedAt} is not null`));
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
