/** Category trees: a tree per supplier, slugs unique per supplier, changes under the supplier's tree lock. */
import { randomBytes } from 'node:crypto';
import { assertCan, can, membershipOf, permits } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../infra/db/errors.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import { isUuid } from '../../infra/ids.js';
import type { PageResult } from '../../infra/schemas.js';
import { trimmedName } from '../../infra/text.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { resolveActiveSupplier, slugify } from '../organizations/index.js';
import { assertSupplierVisible, viewerOf } from './catalog.browse.js';
import { supplierVisibility } from './catalog.browse.repo.js';
import * as repo from './catalog.categories.repo.js';
import type { CategoryDetailDto, CategoryDto, CategoryNodeDto, CreateCategoryInput, ListCategoriesQueryInput, UpdateCategoryInput } from './catalog.schemas.js';

/**
 * Checks that `categoryId` (when given) is a category of the supplier.
 * @throws 422 at `path` otherwise.
 */
export async function assertCategory(ctx: Ctx, supplierId: string, categoryId: string | null | undefined, path: string) {
  if (categoryId == null) return;
  if (!(await repo.findCategory(ctx.db, supplierId, categoryId))) throw unprocessable([{ path, message: 'must be a category of the same supplier' }]);
}

const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** API shape of a category. */
export const toCategoryDto = (c: repo.CategoryRow): CategoryDto => ({
  id: c.id,
  supplier_id: c.supplierId,
  parent_id: c.parentId,
  name: c.name,
  slug: c.slug,
  description: c.description,
  is_active: c.isActive,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

/**
 * The default slug of a category: the name slugified; a name with no Latin letter or digit
 * (Hebrew, Russian) gets `category-<8 hex>` so that such names do not all collide.
 */
function defaultSlug(name: string): string {
  const latin = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
  return latin ? slugify(name) : `category-${randomBytes(4).toString('hex')}`;
}

/** A slug shaped like a UUID could never be reached by `GET /categories/{id_or_slug}`. @throws 422 at `path`. */
function assertSlug(slug: string, path: string): void {
  if (isUuid(slug)) throw unprocessable([{ path, message: 'must not look like a UUID (ids and slugs share GET /categories/{id_or_slug})' }]);
}

const slugTaken = (slug: string) => conflict('SLUG_TAKEN', `The supplier already has a category with slug "${slug}"`, { slug });

/**
 * The supplier whose categories a read concerns: `explicitId`, else the caller's only supplier
 * where it holds `categories:read`. @throws 422 at `path` otherwise.
 */
function categorySupplier(ctx: Ctx, explicitId: string | undefined, path: string): string {
  if (explicitId !== undefined) return explicitId;
  const own = ctx.actor?.memberships.filter((m) => m.organizationType === 'supplier' && permits(m.permissions, 'categories:read')) ?? [];
  if (own.length !== 1) throw unprocessable([{ path, message: 'is required' }]);
  return own[0].organizationId;
}

/** Staff of the supplier for category reads: `categories:read` there (a consumer organization's owner is no supplier staff). */
const isCategoryStaff = (ctx: Ctx, supplierId: string) =>
  can(ctx.actor, 'categories:read', supplierId) && membershipOf(ctx.actor, supplierId)?.organizationType !== 'consumer';

/** The category fields the audit log records. */
const AUDITED_FIELDS = ['name', 'slug', 'description', 'parentId', 'isActive'] as const satisfies readonly (keyof repo.CategoryRow)[];

/**
 * Creates a category (`categories:manage`). `slug` defaults to the slugified name; the parent
 * must be a category of the same supplier (checked under the supplier's category-tree lock, so
 * the parent cannot be deleted meanwhile).
 * @throws 403, 404 supplier not the caller's; 422 parent of another supplier, a UUID-shaped slug,
 *   or several suppliers and no `supplier_id`; 409 `SLUG_TAKEN` when the supplier has the slug.
 */
export async function createCategory(ctx: Ctx, input: CreateCategoryInput): Promise<CategoryDto> {
  const supplierId = (await resolveActiveSupplier(ctx, 'categories:manage', input.supplier_id, 'body/supplier_id')).id;
  const name = trimmedName(input.name);
  const slug = input.slug ?? defaultSlug(name);
  assertSlug(slug, 'body/slug');
  const values = {
    supplierId,
    parentId: input.parent_id ?? null,
    name,
    slug,
    description: input.description ?? null,
    isActive: input.is_active ?? true,
  };
  return inTransaction(ctx, async (tx) => {
    if (input.parent_id != null) {
      await repo.lockCategoryTree(tx.db, supplierId);
      await assertCategory(tx, supplierId, input.parent_id, 'body/parent_id');
    }
    const row = await repo.insertCategory(tx.db, values);
    if (!row) throw slugTaken(slug);
    await recordAudit(tx, {
      organizationId: supplierId,
      entityType: 'category',
      entityId: row.id,
      action: 'category.created',
      changes: snapshot(row, AUDITED_FIELDS),
    });
    return toCategoryDto(row);
  });
}

/**
 * A supplier's categories (authentication optional): for its staff with `categories:read`, or
 * anyone who may see its catalog (buyers see active categories only). Without `supplier_id`, the
 * caller's only supplier. Paged by name with `parent_id` (`null`: roots) and `q` (name contains);
 * with `tree=true` the whole tree instead — roots with nested `children` by name, no paging, an
 * inactive category hiding its subtree from buyers — in one query plus the visibility query.
 * @throws 422 no `supplier_id` and no single supplier of the caller; 404 unknown supplier;
 *   403 `NO_ACCEPTED_LINK` for a linked supplier the caller may not see.
 */
export async function listCategories(ctx: Ctx, q: ListCategoriesQueryInput): Promise<PageResult<CategoryNodeDto>> {
  const supplierId = categorySupplier(ctx, q.supplier_id, 'querystring/supplier_id');
  const staff = isCategoryStaff(ctx, supplierId);
  const visibility = staff ? Promise.resolve(undefined) : supplierVisibility(ctx.db, viewerOf(ctx), supplierId);
  if (q.tree) {
    const [v, rows] = await Promise.all([visibility, repo.listAllCategories(ctx.db, supplierId, !staff)]);
    if (!staff) assertSupplierVisible(v);
    const roots = buildTree(rows);
    return { items: roots, total: countNodes(roots), limit: q.limit, offset: q.offset };
  }
  const [v, { items, total }] = await Promise.all([
    visibility,
    repo.listCategories(ctx.db, supplierId, {
      parentId: q.parent_id === undefined ? undefined : q.parent_id === 'null' ? null : q.parent_id,
      q: q.q?.trim() || undefined,
      activeOnly: !staff,
      limit: q.limit,
      offset: q.offset,
    }),
  ]);
  if (!staff) assertSupplierVisible(v);
  return { items: items.map(toCategoryDto), total, limit: q.limit, offset: q.offset };
}

/** Nests categories under their parents (input in name order, so children are too); unreachable rows are left out. */
function buildTree(rows: repo.CategoryRow[]): CategoryNodeDto[] {
  const nodes = new Map<string, CategoryNodeDto>(rows.map((r) => [r.id, { ...toCategoryDto(r), children: [] }]));
  const roots: CategoryNodeDto[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    if (r.parentId === null) roots.push(node);
    else nodes.get(r.parentId)?.children!.push(node);
  }
  return roots;
}

const countNodes = (nodes: CategoryNodeDto[]): number => nodes.reduce((n, c) => n + 1 + countNodes(c.children ?? []), 0);

/**
 * One category with its `ancestors` (root first, seed 003's recursive parent chain) and direct
 * `children` (by name). A UUID is looked up as an id, anything else as a slug of `supplier_id`
 * (default: the caller's only supplier). Readable by the supplier's staff, or by anyone who may see
 * its catalog (active categories only, and active children). Two queries.
 * @throws 404 unknown, or by id a category the caller may not see (another tenant's category is
 *   never revealed); by slug: 404 unknown supplier or slug, 403 `NO_ACCEPTED_LINK` for a linked
 *   supplier the caller may not see; 422 a slug without `supplier_id` and no single supplier.
 */
export async function getCategory(ctx: Ctx, idOrSlug: string, q: { supplier_id?: string }): Promise<CategoryDetailDto> {
  const viewer = viewerOf(ctx);
  let category: repo.CategoryRow;
  let staff: boolean;
  if (isUuid(idOrSlug)) {
    const found = await repo.findCategoryForViewer(ctx.db, viewer, idOrSlug);
    if (!found?.category || (q.supplier_id !== undefined && found.supplierId !== q.supplier_id.toLowerCase())) throw notFound('Category');
    staff = isCategoryStaff(ctx, found.supplierId);
    const s = found.supplier;
    if (!staff && !(s && s.isSupplier && s.isActive && s.visible && found.category.isActive)) throw notFound('Category');
    category = found.category;
  } else {
    const supplierId = categorySupplier(ctx, q.supplier_id, 'querystring/supplier_id');
    const found = await repo.findCategoryBySlugForViewer(ctx.db, viewer, supplierId, SLUG_RE.test(idOrSlug) ? idOrSlug : null);
    staff = isCategoryStaff(ctx, supplierId);
    if (!staff) assertSupplierVisible(found?.supplier ?? undefined);
    if (!found?.category || (!staff && !found.category.isActive)) throw notFound('Category');
    category = found.category;
  }
  const { ancestors, children } = await repo.categoryFamily(ctx.db, category);
  return {
    ...toCategoryDto(category),
    ancestors: ancestors.map(toCategoryDto),
    children: (staff ? children : children.filter((c) => c.isActive)).map(toCategoryDto),
  };
}

/**
 * Changes a category (`categories:manage`), partially: name, slug, description, is_active and
 * `parent_id` (null: a root). A parent change runs under the supplier's category-tree lock (a
 * transaction advisory lock), then checks with a recursive CTE that the category is not the new
 * parent or one of its ancestors: concurrent moves cannot build a cycle together.
 * @throws 404 missing or not the caller's; 403 without the permission; 422 parent of another
 *   supplier or UUID-shaped slug; 409 `CATEGORY_CYCLE`, `SLUG_TAKEN`. Nothing is written on error.
 */
export async function updateCategory(ctx: Ctx, id: string, input: UpdateCategoryInput): Promise<CategoryDto> {
  const current = await repo.findCategoryById(ctx.db, id);
  if (!current) throw notFound('Category');
  assertCan(ctx.actor, 'categories:manage', current.supplierId, 'Category');
  if (input.slug !== undefined) assertSlug(input.slug, 'body/slug');
  const values = {
    ...(input.name !== undefined && { name: trimmedName(input.name) }),
    ...(input.slug !== undefined && { slug: input.slug }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.parent_id !== undefined && { parentId: input.parent_id }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
  };
  return inTransaction(ctx, async (tx) => {
    const parentId = input.parent_id;
    if (parentId !== undefined) {
      await repo.lockCategoryTree(tx.db, current.supplierId);
      if (parentId !== null) {
        await assertCategory(tx, current.supplierId, parentId, 'body/parent_id');
        if (parentId === id || (await repo.isSelfOrAncestor(tx.db, id, parentId))) {
          throw conflict('CATEGORY_CYCLE', 'A category cannot be put under itself or one of its descendants', { id, parent_id: parentId });
        }
      }
    }
    let row: repo.CategoryRow | undefined;
    try {
      row = await repo.updateCategory(tx.db, current.supplierId, id, values);
    } catch (err) {
      if (input.slug !== undefined && isUniqueViolation(err, 'categories_supplier_slug_key')) throw slugTaken(input.slug);
      throw err;
    }
    if (!row) throw notFound('Category');
    const changes = diff(current, row, AUDITED_FIELDS);
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, { organizationId: current.supplierId, entityType: 'category', entityId: id, action: 'category.updated', changes });
    }
    return toCategoryDto(row);
  });
}

/**
 * Deletes a category (`categories:manage`) that has no child category and no product not
 * archived; archived products just lose it. Runs under the supplier's category-tree lock; the
 * delete itself is conditional, and the `parent_id` foreign key (ON DELETE RESTRICT) is the backstop.
 * @throws 404 missing or not the caller's; 403 without the permission; 409 `CATEGORY_IN_USE`
 *   (`details: {children, products}`).
 */
export async function deleteCategory(ctx: Ctx, id: string): Promise<void> {
  const current = await repo.findCategoryById(ctx.db, id);
  if (!current) throw notFound('Category');
  assertCan(ctx.actor, 'categories:manage', current.supplierId, 'Category');
  const inUse = (usage: { children: number; products: number }) =>
    conflict('CATEGORY_IN_USE', 'The category still has sub-categories or products; move or delete them first', usage);
  await inTransaction(ctx, async (tx) => {
    await repo.lockCategoryTree(tx.db, current.supplierId);
    const usage = await repo.categoryUsage(tx.db, id);
    if (usage.children > 0 || usage.products > 0) throw inUse(usage);
    await repo.detachArchivedProducts(tx.db, id);
    let deleted: boolean;
    try {
      deleted = await repo.deleteUnusedCategory(tx.db, current.supplierId, id);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw inUse(usage);
      throw err;
    }
    if (!deleted) {
      if (!(await repo.findCategoryById(tx.db, id))) throw notFound('Category');
      throw inUse(await repo.categoryUsage(tx.db, id));
    }
    await recordAudit(tx, {
      organizationId: current.supplierId,
      entityType: 'category',
      entityId: id,
      action: 'category.deleted',
      changes: snapshot(current, AUDITED_FIELDS),
    });
  });
}
