/** Staff product CRUD: create (with initial stock), read, change, archive, list, by SKU. */
import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx, type TxCtx } from '../../infra/context.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../infra/db/errors.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import { jsonStorageProblem } from '../../infra/json.js';
import { formatMoney, parseMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { trimmedName } from '../../infra/text.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { resolveActiveSupplier, resolveSupplier } from '../organizations/index.js';
import { recordInitialStock } from '../stock/index.js';
import { assertCategory } from './catalog.categories.js';
import { lockCategoryTree } from './catalog.categories.repo.js';
import { productFilter, productSort, STAFF_SORT_KEYS } from './catalog.filters.js';
import * as repo from './catalog.products.repo.js';
import type { CreateProductInput, ListProductsQueryInput, ProductDto, UpdateProductInput } from './catalog.schemas.js';

/* ---------- shared rules ---------- */

function trimmedSku(sku: string): string {
  const s = sku.trim();
  if (!s) throw unprocessable([{ path: 'body/sku', message: 'must not be blank' }]);
  return s;
}

/** A product write that took a SKU another product not archived of the supplier holds (unique index). */
const isSkuClash = (err: unknown) => isUniqueViolation(err, 'products_supplier_sku_key');

/** A product write whose category was deleted between the check and the write (foreign key). */
const isGoneCategory = (err: unknown) => isForeignKeyViolation(err, 'products_category_id_categories_id_fk');

const goneCategory = () => unprocessable([{ path: 'body/category_id', message: 'must be a category of the same supplier' }]);

/** The product fields the audit log records (created values, changes). */
const AUDITED_FIELDS = [
  'sku',
  'name',
  'description',
  'price',
  'costPrice',
  'compareAtPrice',
  'currency',
  'categoryId',
  'unit',
  'imageUrl',
  'attributes',
  'isActive',
  'archivedAt',
] as const satisfies readonly (keyof repo.ProductRow)[];

const skuTaken = (sku: string) => conflict('SKU_TAKEN', `Another product of this supplier has SKU "${sku}"`, { sku });

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
  const supplier = await resolveActiveSupplier(ctx, 'products:manage', input.supplier_id, 'body/supplier_id');
  const supplierId = supplier.id;
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
    if (input.category_id != null) await lockCategoryTree(tx.db, supplierId, 'shared');
    const row = await repo
      .insertProduct(tx.db, {
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
      })
      .catch((err: unknown) => {
        if (isGoneCategory(err)) throw goneCategory();
        throw err;
      });
    if (!row) throw skuTaken(sku);
    if (initial !== undefined) await recordInitialStock(tx, { productId: row.id, supplierId, quantity: initial });
    await recordAudit(tx, {
      organizationId: supplierId,
      entityType: 'product',
      entityId: row.id,
      action: 'product.created',
      changes: { ...snapshot(row, AUDITED_FIELDS), ...(initial !== undefined && { initial_stock: initial }) },
    });
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
  const write = async (c: TxCtx) => {
    // A category delete cannot run while a product is being put in a category of the supplier.
    if (input.category_id != null) await lockCategoryTree(c.db, current.supplierId, 'shared');
    const updated = await repo.updateProduct(c.db, id, {
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
    const changes = updated && diff(current, updated, AUDITED_FIELDS);
    if (changes && Object.keys(changes).length > 0) {
      await recordAudit(c, { organizationId: current.supplierId, entityType: 'product', entityId: id, action: 'product.updated', changes });
    }
    return updated;
  };
  let row: repo.ProductRow | undefined;
  try {
    row = await inTransaction(ctx, write);
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
  await inTransaction(ctx, async (tx) => {
    if (!(await repo.archiveProduct(tx.db, id))) throw notFound('Product');
    await recordAudit(tx, {
      organizationId: current.supplierId,
      entityType: 'product',
      entityId: id,
      action: 'product.archived',
      changes: { sku: current.sku, name: current.name },
    });
  });
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
  const sort = productSort(q.sort, STAFF_SORT_KEYS, typeof filter.search === 'string');
  const supplierId = await resolveSupplier(ctx, 'products:read', q.supplier_id, 'querystring/supplier_id');
  const { items, total, locationOk, categoryOk } = await repo.listProducts(ctx.db, supplierId, filter, { sort, limit: q.limit, offset: q.offset });
  const errors = [
    ...(locationOk ? [] : [{ path: 'querystring/location_id', message: 'must be a stock location of the supplier' }]),
    ...(categoryOk ? [] : [{ path: 'querystring/category_id', message: 'must be a category of the supplier' }]),
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
  const supplierId = await resolveSupplier(ctx, 'products:read', q.supplier_id, 'querystring/supplier_id');
  const wanted = sku.trim();
  const found = wanted ? await repo.findProductBySku(ctx.db, supplierId, wanted) : undefined;
  if (!found) throw notFound('Product');
  return toProductDto(found.product, found);
}

/* ---------- for other modules (ctx first) ---------- */

/**
 * One product row (no `search_vector`), archived or not, of any supplier, or undefined: callers
 * check access.
 */
export const findProductRow = (ctx: Ctx, id: string): Promise<repo.ProductRow | undefined> => repo.findProductRow(ctx.db, id);

/** The products of `ids`, any supplier, archived or not, in one query (callers check ownership and state). */
export const findProductsByIds = (ctx: Ctx, ids: string[]): Promise<repo.ProductRow[]> => repo.findProductsByIds(ctx.db, ids);

/**
 * The supplier's products among `ids` in one query; with `orderableOnly`, only active products not
 * archived (callers compare lengths to find the missing ones).
 */
export const findSupplierProducts = (ctx: Ctx, supplierId: string, ids: string[], opts: { orderableOnly?: boolean } = {}): Promise<repo.ProductRow[]> =>
  repo.findSupplierProducts(ctx.db, supplierId, ids, opts);
