import { jsonStorageProblem } from '../../infra/json.js';
import { trimmedName } from '../../infra/text.js';
import { randomBytes } from 'node:crypto';
import { assertCan, can, isPlatformAllowed, membershipOf, permits } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, forbidden, notFound, unprocessable } from '../../infra/errors.js';
import { Decimal, formatMoney, parseMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { recordInitialStock } from '../inventory/index.js';
import { findOrganization, resolveSupplier, slugify } from '../organizations/index.js';
import * as repo from './catalog.repo.js';
import type {
  CatalogProductDto, CatalogQueryInput, CategoryDetailDto, CategoryDto, CategoryNodeDto, CreateCategoryInput, CreateProductInput,
  ListCategoriesQueryInput, ListProductsQueryInput, ProductDto, UpdateCategoryInput, UpdateProductInput,
} from './catalog.schemas.js';

/* ---------- shared rules ---------- */

/** Sort keys of the staff list; the catalog takes the same but `cost_price` (buyers never see it). */
export const STAFF_SORT_KEYS: readonly repo.SortKey[] = ['name', 'price', 'cost_price', 'created_at', 'sku'];
/** Sort keys of the buyer catalog: no `cost_price` (422). */
export const CATALOG_SORT_KEYS: readonly repo.SortKey[] = ['name', 'price', 'created_at', 'sku'];

/**
 * Parses `?sort=` (comma separated keys among `allowed`, each optionally prefixed with `-` for
 * descending; several keys apply in order, repeated keys count once). Without `sort`: by
 * relevance (`ts_rank_cd` descending) when searching, else `-created_at`; the id always breaks ties.
 * @throws 422 `query/sort` for an unknown, empty or not allowed key (`cost_price` in the catalog).
 */
export function parseSort(sort: string | undefined, allowed: readonly repo.SortKey[], searching = false): repo.SortTerm[] {
  if (sort === undefined || sort.trim() === '') return [searching ? { key: 'rank', desc: true } : { key: 'created_at', desc: true }];
  const terms: repo.SortTerm[] = [];
  for (const raw of sort.split(',')) {
    const part = raw.trim();
    const desc = part.startsWith('-');
    const key = desc ? part.slice(1) : part;
    if (!(allowed as readonly string[]).includes(key)) {
      throw unprocessable([{ path: 'query/sort', message: `unknown sort key "${part}"; allowed: ${allowed.join(', ')} (prefix - for descending)` }]);
    }
    if (!terms.some((t) => t.key === key)) terms.push({ key: key as repo.SortKey, desc });
  }
  return terms;
}

/**
 * The product filter of a list query (staff or catalog): `q` becomes a prefix tsquery (blank is
 * no filter; text without a letter or digit matches nothing), prices are checked exactly.
 * @throws 422 `query/min_price` when min_price > max_price (compared as decimals).
 */
function productFilter(q: {
  q?: string; category_id?: string; min_price?: string; max_price?: string; in_stock?: boolean; location_id?: string;
}): repo.ProductFilter {
  const text = q.q?.trim();
  if (q.min_price !== undefined && q.max_price !== undefined && new Decimal(q.min_price).greaterThan(q.max_price)) {
    throw unprocessable([{ path: 'query/min_price', message: 'must not be more than max_price' }]);
  }
  return {
    search: text ? repo.prefixQuery(text) : undefined,
    categoryId: q.category_id,
    minPrice: q.min_price,
    maxPrice: q.max_price,
    inStock: q.in_stock,
    locationId: q.location_id,
  };
}

/** The viewer of the catalog, from the actor's memberships (no query). */
function viewerOf(ctx: Ctx): repo.Viewer {
  const actor = ctx.actor;
  if (!actor) return { all: false, consumerIds: [], supplierIds: [] };
  const browsing = actor.memberships.filter((m) => permits(m.permissions, 'catalog:browse'));
  return {
    all: isPlatformAllowed(actor, 'catalog:browse'),
    consumerIds: browsing.filter((m) => m.organizationType === 'consumer').map((m) => m.organizationId),
    supplierIds: browsing.filter((m) => m.organizationType === 'supplier').map((m) => m.organizationId),
  };
}

/** 404 for an unknown, inactive or non-supplier organization; 403 `NO_ACCEPTED_LINK` for a linked supplier the viewer may not see. */
function assertSupplierVisible(v: repo.SupplierVisibility | undefined): void {
  if (!v || !v.isSupplier || !v.isActive) throw notFound('Supplier');
  if (!v.visible) throw forbidden('This supplier shows its catalog only to consumers with an accepted link', 'NO_ACCEPTED_LINK');
}


/** The supplier row for writes (currency), checked to be an active supplier. @throws 404. */
async function loadSupplier(ctx: Ctx, supplierId: string) {
  const org = await findOrganization(ctx.db, supplierId);
  if (!org || org.type !== 'supplier' || !org.isActive) throw notFound('Supplier');
  return org;
}

async function assertCategory(ctx: Ctx, supplierId: string, categoryId: string | null | undefined, path: string) {
  if (categoryId == null) return;
  if (!(await repo.findCategory(ctx.db, supplierId, categoryId))) throw unprocessable([{ path, message: 'must be a category of the same supplier' }]);
}

function trimmedSku(sku: string): string {
  const s = sku.trim();
  if (!s) throw unprocessable([{ path: 'body/sku', message: 'must not be blank' }]);
  return s;
}

/** The PostgreSQL error code and constraint of an error (Drizzle wraps the driver's error as `cause`). */
function pgError(err: unknown): { code?: string; constraint?: string } | undefined {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e;
  }
  return undefined;
}

function isSkuClash(err: unknown): boolean {
  const e = pgError(err);
  return e?.code === '23505' && (e.constraint === undefined || e.constraint === 'products_supplier_sku_key');
}

/** A product write whose category was deleted between the check and the write (foreign key). */
function isGoneCategory(err: unknown): boolean {
  const e = pgError(err);
  return e?.code === '23503' && (e.constraint === undefined || e.constraint === 'products_category_id_categories_id_fk');
}

const goneCategory = () => unprocessable([{ path: 'body/category_id', message: 'must be a category of the same supplier' }]);

const skuTaken = (sku: string) => conflict('SKU_TAKEN', `Another product of this supplier has SKU "${sku}"`, { sku });

/* ---------- products (staff) ---------- */

/** API shape of a product for the supplier's staff: money with the currency's minor digits, stock totals. */
export function toProductDto(p: repo.ProductRow, stock: { onHand: number; reserved: number }): ProductDto {
  return {
    id: p.id,
    supplier_id: p.supplierId,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: formatMoney(p.price, p.currency),
    cost_price: p.costPrice === null ? null : formatMoney(p.costPrice, p.currency),
    compare_at_price: p.compareAtPrice === null ? null : formatMoney(p.compareAtPrice, p.currency),
    currency: p.currency,
    category_id: p.categoryId,
    unit: p.unit,
    image_url: p.imageUrl,
    attributes: p.attributes,
    is_active: p.isActive,
    archived_at: p.archivedAt?.toISOString() ?? null,
    created_by: p.createdBy,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    stock: { on_hand: stock.onHand, reserved: stock.reserved, available: stock.onHand - stock.reserved },
  };
}

/** @throws 422 `body/attributes` when the attributes cannot be stored (too deep, too large, bad text: `jsonStorageProblem`). */
function assertStorableAttributes(attributes: Record<string, unknown> | undefined): void {
  if (attributes === undefined) return;
  const problem = jsonStorageProblem(attributes);
  if (problem) throw unprocessable([{ path: 'body/attributes', message: problem }]);
}

/**
 * Creates a product of the caller's supplier (owner or manager: `products:manage`). Prices
 * (`price`, `cost_price`, `compare_at_price`) are parsed exactly in the supplier's currency (at
 * most its minor digits, ≥ 0); the product takes that currency. With `initial_stock` (whole units) the stock level at the default location and an
 * `initial` movement are written in the same transaction.
 * @throws 403 without the permission in any supplier; 404 supplier not the caller's; 422 bad
 *   price/cost/SKU, category of another supplier, or several suppliers and no `supplier_id`;
 *   409 `SKU_TAKEN` when a product not archived of the supplier has the SKU.
 */
export async function createProduct(ctx: Ctx, input: CreateProductInput): Promise<ProductDto> {
  const supplierId = await resolveSupplier(ctx, 'products:manage', input.supplier_id, 'body/supplier_id');
  const supplier = await loadSupplier(ctx, supplierId);
  const sku = trimmedSku(input.sku);
  const name = trimmedName(input.name);
  assertStorableAttributes(input.attributes);
  const price = parseMoney(input.price, supplier.currency, 'body/price');
  const costPrice = input.cost_price == null ? null : parseMoney(input.cost_price, supplier.currency, 'body/cost_price');
  const compareAt = input.compare_at_price == null ? null : parseMoney(input.compare_at_price, supplier.currency, 'body/compare_at_price');
  await assertCategory(ctx, supplierId, input.category_id, 'body/category_id');
  const initial = input.initial_stock;
  return inTransaction(ctx, async (tx) => {
    // A category delete cannot run while a product is being put in a category of the supplier.
    if (input.category_id != null) await repo.lockCategoryTree(tx.db, supplierId, 'shared');
    const row = await repo.insertProduct(tx.db, {
      supplierId,
      sku,
      name,
      description: input.description ?? null,
      price: price.toFixed(),
      costPrice: costPrice?.toFixed() ?? null,
      compareAtPrice: compareAt?.toFixed() ?? null,
      currency: supplier.currency,
      categoryId: input.category_id ?? null,
      unit: input.unit?.trim() || 'each',
      imageUrl: input.image_url ?? null,
      attributes: input.attributes ?? {},
      isActive: input.is_active ?? true,
      createdBy: ctx.actor!.userId,
    }).catch((err: unknown) => {
      if (isGoneCategory(err)) throw goneCategory();
      throw err;
    });
    if (!row) throw skuTaken(sku);
    if (initial !== undefined) await recordInitialStock(tx, { productId: row.id, supplierId, quantity: initial });
    return toProductDto(row, { onHand: initial ?? 0, reserved: 0 });
  });
}

/**
 * One product for its supplier's staff (`products:read`), with stock totals. An archived product
 * still answers (200, `archived_at` set, `is_active` false) so staff can look up what old orders
 * point at.
 * @throws 404 when missing or the caller is not a member of its supplier; 403 without the permission.
 */
export async function getProduct(ctx: Ctx, id: string): Promise<ProductDto> {
  const found = await repo.findProductWithStock(ctx.db, id);
  if (!found) throw notFound('Product');
  assertCan(ctx.actor, 'products:read', found.product.supplierId, 'Product');
  return toProductDto(found.product, found);
}

/**
 * Changes a product (partial). A new SKU is checked for uniqueness again; prices are parsed in the
 * product's currency; `null` clears description, cost_price, compare_at_price, category_id and image_url.
 * @throws 404 missing, archived, or not the caller's; 403 without `products:manage`; 422 bad
 *   values; 409 `SKU_TAKEN`.
 */
export async function updateProduct(ctx: Ctx, id: string, input: UpdateProductInput): Promise<ProductDto> {
  const current = await repo.findProductRow(ctx.db, id);
  if (!current) throw notFound('Product');
  assertCan(ctx.actor, 'products:manage', current.supplierId, 'Product');
  if (current.archivedAt) throw notFound('Product');
  const sku = input.sku === undefined ? undefined : trimmedSku(input.sku);
  const name = input.name === undefined ? undefined : trimmedName(input.name);
  assertStorableAttributes(input.attributes);
  const price = input.price === undefined ? undefined : parseMoney(input.price, current.currency, 'body/price');
  const costPrice = input.cost_price == null ? input.cost_price : parseMoney(input.cost_price, current.currency, 'body/cost_price');
  const compareAt = input.compare_at_price == null ? input.compare_at_price : parseMoney(input.compare_at_price, current.currency, 'body/compare_at_price');
  await assertCategory(ctx, current.supplierId, input.category_id, 'body/category_id');
  if (sku !== undefined && sku !== current.sku && (await repo.skuTaken(ctx.db, current.supplierId, sku, id))) throw skuTaken(sku);
  const write = async (c: Ctx) => {
    // A category delete cannot run while a product is being put in a category of the supplier.
    if (input.category_id != null) await repo.lockCategoryTree(c.db, current.supplierId, 'shared');
    return repo.updateProduct(c.db, id, {
      ...(sku !== undefined && { sku }),
      ...(name !== undefined && { name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(price !== undefined && { price: price.toFixed() }),
      ...(costPrice !== undefined && { costPrice: costPrice === null ? null : costPrice.toFixed() }),
      ...(compareAt !== undefined && { compareAtPrice: compareAt === null ? null : compareAt.toFixed() }),
      ...(input.category_id !== undefined && { categoryId: input.category_id }),
      ...(input.unit !== undefined && { unit: input.unit.trim() || 'each' }),
      ...(input.image_url !== undefined && { imageUrl: input.image_url }),
      ...(input.is_active !== undefined && { isActive: input.is_active }),
      ...(input.attributes !== undefined && { attributes: input.attributes }),
    });
  };
  let row: repo.ProductRow | undefined;
  try {
    row = input.category_id != null ? await inTransaction(ctx, write) : await write(ctx);
  } catch (err) {
    // Another request took the SKU between our check and our update.
    if (sku !== undefined && isSkuClash(err)) throw skuTaken(sku);
    if (isGoneCategory(err)) throw goneCategory();
    throw err;
  }
  if (!row) throw notFound('Product');
  return getProduct(ctx, row.id);
}

/**
 * Archives a product (`DELETE`): `archived_at` = now and `is_active` = false. It leaves every list
 * and the catalog, can no longer be ordered, and its SKU may be reused; GET by id still answers it.
 * @throws 404 missing, already archived, or not the caller's; 403 without `products:manage`.
 */
export async function archiveProduct(ctx: Ctx, id: string): Promise<void> {
  const current = await repo.findProductRow(ctx.db, id);
  if (!current) throw notFound('Product');
  assertCan(ctx.actor, 'products:manage', current.supplierId, 'Product');
  if (!(await repo.archiveProduct(ctx.db, id))) throw notFound('Product');
}

/**
 * A page of the supplier's products not archived, for its staff (`products:read`), with stock
 * totals: two queries whatever the page size (the page, and the total with the reference checks).
 * Filters (seed 003's product list, seed 002's catalog search): `q` full-text prefix search over
 * name, SKU and description, ranked when no `sort` is given; `category_id` with its descendants;
 * `min_price`/`max_price` inclusive, exact; `in_stock`; `location_id` (stock and in_stock at
 * that location only); `is_active`; `created_by`. Sort keys: name, price, cost_price (products
 * without one last), created_at, sku.
 * @throws 404 supplier not the caller's; 403 without the permission; 422 bad sort, min_price >
 *   max_price, a category or location not of the supplier, or several suppliers and no `supplier_id`.
 */
export async function listProducts(ctx: Ctx, q: ListProductsQueryInput): Promise<PageResult<ProductDto>> {
  const filter = { ...productFilter(q), isActive: q.is_active, createdBy: q.created_by };
  const sort = parseSort(q.sort, STAFF_SORT_KEYS, typeof filter.search === 'string');
  const supplierId = await resolveSupplier(ctx, 'products:read', q.supplier_id, 'query/supplier_id');
  const { items, total, locationOk, categoryOk } = await repo.listProducts(ctx.db, supplierId, filter, { sort, limit: q.limit, offset: q.offset });
  const errors = [
    ...(locationOk ? [] : [{ path: 'query/location_id', message: 'must be a stock location of the supplier' }]),
    ...(categoryOk ? [] : [{ path: 'query/category_id', message: 'must be a category of the supplier' }]),
  ];
  if (errors.length > 0) throw unprocessable(errors);
  return { items: items.map((r) => toProductDto(r.product, r)), total, limit: q.limit, offset: q.offset };
}

/**
 * One product not archived of the caller's supplier by SKU (seed 003's `GET /product/{sku}`),
 * for staff with `products:read`, with stock totals; one query. The SKU is trimmed like on create.
 * Without `supplier_id`, the caller's only supplier (`supplierFor`).
 * @throws 404 no such SKU in the supplier (another supplier's SKU included), or a supplier not the
 *   caller's; 403 without the permission; 422 several suppliers and no `supplier_id`.
 */
export async function getProductBySku(ctx: Ctx, sku: string, q: { supplier_id?: string }): Promise<ProductDto> {
  const supplierId = await resolveSupplier(ctx, 'products:read', q.supplier_id, 'query/supplier_id');
  const wanted = sku.trim();
  const found = wanted ? await repo.findProductBySku(ctx.db, supplierId, wanted) : undefined;
  if (!found) throw notFound('Product');
  return toProductDto(found.product, found);
}

/* ---------- catalog (buyers) ---------- */

const toCatalogDto = (r: repo.CatalogRow): CatalogProductDto => ({
  id: r.product.id,
  supplier: { id: r.product.supplierId, name: r.supplierName },
  sku: r.product.sku,
  name: r.product.name,
  description: r.product.description,
  price: formatMoney(r.product.price, r.product.currency),
  compare_at_price: r.product.compareAtPrice === null ? null : formatMoney(r.product.compareAtPrice, r.product.currency),
  currency: r.product.currency,
  category_id: r.product.categoryId,
  unit: r.product.unit,
  image_url: r.product.imageUrl,
  attributes: r.product.attributes,
  available: r.available,
  created_at: r.product.createdAt.toISOString(),
});

/**
 * The buyer-facing catalog (authentication optional): active products not archived of active
 * suppliers the caller may see — public suppliers for anyone, `linked` suppliers when one of the
 * caller's consumer organizations has an accepted link, and the caller's own suppliers. The rule
 * is a condition of the page query (EXISTS on links, never ids loaded into the app). Two queries
 * per page whatever its size. `available` is whole units summed over active locations (only
 * `location_id` when given); no cost price, `compare_at_price` as the "was" price.
 * Filters as the staff list (`q`, `category_id` with descendants, prices, `in_stock`,
 * `location_id`) without the staff-only ones; an unknown category or location matches nothing
 * rather than telling whether it exists.
 * @throws 404 unknown `supplier_id`; 403 `NO_ACCEPTED_LINK` for a linked supplier without an
 *   accepted link; 422 bad sort (`cost_price` included) or min_price > max_price.
 */
export async function listCatalog(ctx: Ctx, q: CatalogQueryInput): Promise<PageResult<CatalogProductDto>> {
  const filter = productFilter(q);
  const sort = parseSort(q.sort, CATALOG_SORT_KEYS, typeof filter.search === 'string');
  const viewer = viewerOf(ctx);
  const page = { sort, limit: q.limit, offset: q.offset };
  if (q.supplier_id === undefined) {
    const { items, total } = await repo.listCatalog(ctx.db, viewer, filter, page);
    return { items: items.map(toCatalogDto), total, limit: q.limit, offset: q.offset };
  }
  const { items, supplier } = await repo.listSupplierCatalog(ctx.db, viewer, q.supplier_id, filter, page);
  assertSupplierVisible(supplier);
  return { items: items.map(toCatalogDto), total: supplier!.total, limit: q.limit, offset: q.offset };
}

/**
 * One catalog product, by the same visibility rule as the list (one query).
 * @throws 404 when missing, inactive, archived, or of a supplier the caller may not see.
 */
export async function getCatalogProduct(ctx: Ctx, id: string): Promise<CatalogProductDto> {
  const row = await repo.findCatalogProduct(ctx.db, viewerOf(ctx), id);
  if (!row) throw notFound('Product');
  return toCatalogDto(row);
}

/* ---------- categories ---------- */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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
  const latin = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '');
  return latin ? slugify(name) : `category-${randomBytes(4).toString('hex')}`;
}

/** A slug shaped like a UUID could never be reached by `GET /categories/{id_or_slug}`. @throws 422 at `path`. */
function assertSlug(slug: string, path: string): void {
  if (UUID_RE.test(slug)) throw unprocessable([{ path, message: 'must not look like a UUID (ids and slugs share GET /categories/{id_or_slug})' }]);
}

const slugTaken = (slug: string) => conflict('SLUG_TAKEN', `The supplier already has a category with slug "${slug}"`, { slug });

function isSlugClash(err: unknown): boolean {
  const e = pgError(err);
  return e?.code === '23505' && (e.constraint === undefined || e.constraint === 'categories_supplier_slug_key');
}

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

/**
 * Creates a category (`categories:manage`). `slug` defaults to the slugified name; the parent
 * must be a category of the same supplier (checked under the supplier's category-tree lock, so
 * the parent cannot be deleted meanwhile).
 * @throws 403, 404 supplier not the caller's; 422 parent of another supplier, a UUID-shaped slug,
 *   or several suppliers and no `supplier_id`; 409 `SLUG_TAKEN` when the supplier has the slug.
 */
export async function createCategory(ctx: Ctx, input: CreateCategoryInput): Promise<CategoryDto> {
  const supplierId = await resolveSupplier(ctx, 'categories:manage', input.supplier_id, 'body/supplier_id');
  await loadSupplier(ctx, supplierId);
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
  const insert = async (c: Ctx) => {
    const row = await repo.insertCategory(c.db, values);
    if (!row) throw slugTaken(slug);
    return toCategoryDto(row);
  };
  if (input.parent_id == null) return insert(ctx);
  return inTransaction(ctx, async (tx) => {
    await repo.lockCategoryTree(tx.db, supplierId);
    await assertCategory(tx, supplierId, input.parent_id, 'body/parent_id');
    return insert(tx);
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
  const supplierId = categorySupplier(ctx, q.supplier_id, 'query/supplier_id');
  const staff = isCategoryStaff(ctx, supplierId);
  const visibility = staff ? Promise.resolve(undefined) : repo.supplierVisibility(ctx.db, viewerOf(ctx), supplierId);
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
  if (UUID_RE.test(idOrSlug)) {
    const found = await repo.findCategoryForViewer(ctx.db, viewer, idOrSlug);
    if (!found?.category || (q.supplier_id !== undefined && found.supplierId !== q.supplier_id.toLowerCase())) throw notFound('Category');
    staff = isCategoryStaff(ctx, found.supplierId);
    const s = found.supplier;
    if (!staff && !(s && s.isSupplier && s.isActive && s.visible && found.category.isActive)) throw notFound('Category');
    category = found.category;
  } else {
    const supplierId = categorySupplier(ctx, q.supplier_id, 'query/supplier_id');
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
      if (input.slug !== undefined && isSlugClash(err)) throw slugTaken(input.slug);
      throw err;
    }
    if (!row) throw notFound('Category');
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
      if (pgError(err)?.code === '23503') throw inUse(usage);
      throw err;
    }
    if (!deleted) {
      if (!(await repo.findCategoryById(tx.db, id))) throw notFound('Category');
      throw inUse(await repo.categoryUsage(tx.db, id));
    }
  });
}
