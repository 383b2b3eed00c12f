/** The buyer-facing catalog: what a caller may see, and the catalog lists and product. */
import { isPlatformAllowed, permits } from '../../infra/access.js';
import type { Ctx } from '../../infra/context.js';
import { forbidden, notFound } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import * as repo from './catalog.browse.repo.js';
import { CATALOG_SORT_KEYS, productFilter, productSort } from './catalog.filters.js';
import type { CatalogProductDto, CatalogQueryInput } from './catalog.schemas.js';

/** The viewer of the catalog (and of category reads), from the actor's memberships (no query). */
export function viewerOf(ctx: Ctx): repo.Viewer {
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
export function assertSupplierVisible(v: repo.SupplierVisibility | undefined): void {
  if (!v || !v.isSupplier || !v.isActive) throw notFound('Supplier');
  if (!v.visible) throw forbidden('This supplier shows its catalog only to consumers with an accepted link', 'NO_ACCEPTED_LINK');
}

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
  const sort = productSort(q.sort, CATALOG_SORT_KEYS, typeof filter.search === 'string');
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
