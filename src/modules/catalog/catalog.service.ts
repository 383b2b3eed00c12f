import { assertCan, can, isPlatformAllowed, membershipOf, permits, resolveOrganization } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, forbidden, notFound, unprocessable } from '../../infra/errors.js';
import { formatMoney, parseMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { recordInitialStock } from '../inventory/index.js';
import { findOrganization, slugify } from '../organizations/index.js';
import * as repo from './catalog.repo.js';
import type {
  CatalogProductDto, CatalogQueryInput, CategoryDto, CreateCategoryInput, CreateProductInput, ListProductsQueryInput, ProductDto, UpdateProductInput,
} from './catalog.schemas.js';

/* ---------- shared rules ---------- */

/**
 * Parses `?sort=` (comma separated keys among name, price, created_at, sku, each optionally
 * prefixed with `-` for descending; default `-created_at`). Repeated keys count once.
 * @throws 422 `query/sort` for an unknown or empty key.
 */
export function parseSort(sort: string | undefined): repo.SortTerm[] {
  if (sort === undefined || sort.trim() === '') return [{ key: 'created_at', desc: true }];
  const terms: repo.SortTerm[] = [];
  for (const raw of sort.split(',')) {
    const part = raw.trim();
    const desc = part.startsWith('-');
    const key = desc ? part.slice(1) : part;
    if (!Object.hasOwn(repo.SORT_COLUMNS, key)) {
      throw unprocessable([{ path: 'query/sort', message: `unknown sort key "${part}"; allowed: ${Object.keys(repo.SORT_COLUMNS).join(', ')} (prefix - for descending)` }]);
    }
    if (!terms.some((t) => t.key === key)) terms.push({ key: key as repo.SortKey, desc });
  }
  return terms;
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

/**
 * The supplier an actor acts for: `explicitId`, or the only supplier where it holds `permission`,
 * then checked with `assertCan` (non-members 404, members without the permission 403).
 * @throws 422 at `path` when several suppliers qualify and no id was given; 403 when none does.
 */
function supplierFor(ctx: Ctx, permission: string, explicitId: string | undefined, path: string): string {
  const supplierId = resolveOrganization(ctx.actor!, 'supplier', permission, explicitId, () =>
    unprocessable([{ path, message: 'you belong to several suppliers: say which one' }]),
  );
  assertCan(ctx.actor, permission, supplierId, 'Supplier');
  // A consumer's owner holds every permission in the consumer: that organization is still no supplier.
  const m = membershipOf(ctx.actor, supplierId);
  if (m && m.organizationType !== 'supplier') throw notFound('Supplier');
  return supplierId;
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

function isSkuClash(err: unknown): boolean {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return e.constraint === undefined || e.constraint === 'products_supplier_sku_key';
  }
  return false;
}

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
    currency: p.currency,
    category_id: p.categoryId,
    unit: p.unit,
    image_url: p.imageUrl,
    attributes: p.attributes,
    is_active: p.isActive,
    archived_at: p.archivedAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    stock: { on_hand: stock.onHand, reserved: stock.reserved, available: stock.onHand - stock.reserved },
  };
}

/**
 * Creates a product of the caller's supplier (owner or manager: `products:manage`). Prices are
 * parsed exactly in the supplier's currency (at most its minor digits, ≥ 0); the product takes
 * that currency. With `initial_stock` (whole units) the stock level at the default location and an
 * `initial` movement are written in the same transaction.
 * @throws 403 without the permission in any supplier; 404 supplier not the caller's; 422 bad
 *   price/cost/SKU, category of another supplier, or several suppliers and no `supplier_id`;
 *   409 `SKU_TAKEN` when a product not archived of the supplier has the SKU.
 */
export async function createProduct(ctx: Ctx, input: CreateProductInput): Promise<ProductDto> {
  const supplierId = supplierFor(ctx, 'products:manage', input.supplier_id, 'body/supplier_id');
  const supplier = await loadSupplier(ctx, supplierId);
  const sku = trimmedSku(input.sku);
  const price = parseMoney(input.price, supplier.currency, 'body/price');
  const costPrice = input.cost_price == null ? null : parseMoney(input.cost_price, supplier.currency, 'body/cost_price');
  await assertCategory(ctx, supplierId, input.category_id, 'body/category_id');
  const initial = input.initial_stock;
  return inTransaction(ctx, async (tx) => {
    const row = await repo.insertProduct(tx.db, {
      supplierId,
      sku,
      name: input.name.trim(),
      description: input.description ?? null,
      price: price.toFixed(),
      costPrice: costPrice?.toFixed() ?? null,
      currency: supplier.currency,
      categoryId: input.category_id ?? null,
      unit: input.unit?.trim() || 'each',
      imageUrl: input.image_url ?? null,
      attributes: input.attributes ?? {},
      isActive: input.is_active ?? true,
      createdBy: ctx.actor!.userId,
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
 * product's currency; `null` clears description, cost_price, category_id and image_url.
 * @throws 404 missing, archived, or not the caller's; 403 without `products:manage`; 422 bad
 *   values; 409 `SKU_TAKEN`.
 */
export async function updateProduct(ctx: Ctx, id: string, input: UpdateProductInput): Promise<ProductDto> {
  const current = await repo.findProductRow(ctx.db, id);
  if (!current) throw notFound('Product');
  assertCan(ctx.actor, 'products:manage', current.supplierId, 'Product');
  if (current.archivedAt) throw notFound('Product');
  const sku = input.sku === undefined ? undefined : trimmedSku(input.sku);
  const price = input.price === undefined ? undefined : parseMoney(input.price, current.currency, 'body/price');
  const costPrice = input.cost_price == null ? input.cost_price : parseMoney(input.cost_price, current.currency, 'body/cost_price');
  await assertCategory(ctx, current.supplierId, input.category_id, 'body/category_id');
  if (sku !== undefined && sku !== current.sku && (await repo.skuTaken(ctx.db, current.supplierId, sku, id))) throw skuTaken(sku);
  let row: repo.ProductRow | undefined;
  try {
    row = await repo.updateProduct(ctx.db, id, {
      ...(sku !== undefined && { sku }),
      ...(input.name !== undefined && { name: input.name.trim() }),
      ...(input.description !== undefined && { description: input.description }),
      ...(price !== undefined && { price: price.toFixed() }),
      ...(costPrice !== undefined && { costPrice: costPrice === null ? null : costPrice.toFixed() }),
      ...(input.category_id !== undefined && { categoryId: input.category_id }),
      ...(input.unit !== undefined && { unit: input.unit.trim() || 'each' }),
      ...(input.image_url !== undefined && { imageUrl: input.image_url }),
      ...(input.is_active !== undefined && { isActive: input.is_active }),
      ...(input.attributes !== undefined && { attributes: input.attributes }),
    });
  } catch (err) {
    // Another request took the SKU between our check and our update.
    if (sku !== undefined && isSkuClash(err)) throw skuTaken(sku);
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
 * totals: two queries whatever the page size. `q` matches name or SKU (ILIKE, wildcards escaped).
 * @throws 404 supplier not the caller's; 403 without the permission; 422 bad sort, or several
 *   suppliers and no `supplier_id`.
 */
export async function listProducts(ctx: Ctx, q: ListProductsQueryInput): Promise<PageResult<ProductDto>> {
  const sort = parseSort(q.sort);
  const supplierId = supplierFor(ctx, 'products:read', q.supplier_id, 'query/supplier_id');
  const { items, total } = await repo.listProducts(ctx.db, supplierId, { q: q.q, isActive: q.is_active, sort, limit: q.limit, offset: q.offset });
  return { items: items.map((r) => toProductDto(r.product, r)), total, limit: q.limit, offset: q.offset };
}

/* ---------- catalog (buyers) ---------- */

const toCatalogDto = (r: repo.CatalogRow): CatalogProductDto => ({
  id: r.product.id,
  supplier: { id: r.product.supplierId, name: r.supplierName },
  sku: r.product.sku,
  name: r.product.name,
  description: r.product.description,
  price: formatMoney(r.product.price, r.product.currency),
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
 * is a condition of the page query. Two queries per page whatever its size. `available` is whole
 * units summed over active locations; no cost price.
 * @throws 404 unknown `supplier_id`; 403 `NO_ACCEPTED_LINK` for a linked supplier without an
 *   accepted link; 422 bad sort.
 */
export async function listCatalog(ctx: Ctx, q: CatalogQueryInput): Promise<PageResult<CatalogProductDto>> {
  const sort = parseSort(q.sort);
  const viewer = viewerOf(ctx);
  const opts = { q: q.q, sort, limit: q.limit, offset: q.offset };
  if (q.supplier_id === undefined) {
    const { items, total } = await repo.listCatalog(ctx.db, viewer, opts);
    return { items: items.map(toCatalogDto), total, limit: q.limit, offset: q.offset };
  }
  const { items, supplier } = await repo.listSupplierCatalog(ctx.db, viewer, q.supplier_id, opts);
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

const toCategoryDto = (c: repo.CategoryRow): CategoryDto => ({
  id: c.id,
  supplier_id: c.supplierId,
  parent_id: c.parentId,
  name: c.name,
  slug: c.slug,
  description: c.description,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

/**
 * Creates a category (`categories:manage`). `slug` defaults to slugify(name); the parent must be
 * a category of the same supplier.
 * @throws 403, 404 supplier not the caller's; 422 parent of another supplier, or several
 *   suppliers and no `supplier_id`; 409 `SLUG_TAKEN` when the supplier has the slug.
 */
export async function createCategory(ctx: Ctx, input: CreateCategoryInput): Promise<CategoryDto> {
  const supplierId = supplierFor(ctx, 'categories:manage', input.supplier_id, 'body/supplier_id');
  await loadSupplier(ctx, supplierId);
  await assertCategory(ctx, supplierId, input.parent_id, 'body/parent_id');
  const slug = input.slug ?? slugify(input.name);
  const row = await repo.insertCategory(ctx.db, {
    supplierId,
    parentId: input.parent_id ?? null,
    name: input.name.trim(),
    slug,
    description: input.description ?? null,
  });
  if (!row) throw conflict('SLUG_TAKEN', `The supplier already has a category with slug "${slug}"`, { slug });
  return toCategoryDto(row);
}

/**
 * A supplier's categories by name (authentication optional): for its staff with
 * `categories:read`, or anyone who may see its catalog. Without `supplier_id`, the caller's only
 * supplier.
 * @throws 422 no `supplier_id` and no single supplier of the caller; 404 unknown supplier;
 *   403 `NO_ACCEPTED_LINK` for a linked supplier the caller may not see.
 */
export async function listCategories(ctx: Ctx, q: { supplier_id?: string; limit: number; offset: number }): Promise<PageResult<CategoryDto>> {
  let supplierId = q.supplier_id;
  if (supplierId === undefined) {
    const own = ctx.actor?.memberships.filter((m) => m.organizationType === 'supplier' && permits(m.permissions, 'categories:read')) ?? [];
    if (own.length !== 1) throw unprocessable([{ path: 'query/supplier_id', message: 'is required' }]);
    supplierId = own[0].organizationId;
  }
  const staff = can(ctx.actor, 'categories:read', supplierId) && membershipOf(ctx.actor, supplierId)?.organizationType !== 'consumer';
  if (!staff) assertSupplierVisible(await repo.supplierVisibility(ctx.db, viewerOf(ctx), supplierId));
  const { items, total } = await repo.listCategories(ctx.db, supplierId, q);
  return { items: items.map(toCategoryDto), total, limit: q.limit, offset: q.offset };
}
