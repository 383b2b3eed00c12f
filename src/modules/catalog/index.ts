import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { catalogRoutes } from './catalog.routes.js';

export { products, categories } from './catalog.tables.js';
/**
 * `findProductRow(db, id)`: one product row, archived or not, of any supplier (callers check access).
 * `ProductRow` is a product without `search_vector` (the large generated full-text column);
 * `productColumns` is that column set, for modules that select products themselves.
 */
export { findProductRow, productColumns, type ProductRow } from './catalog.repo.js';
/**
 * `findSupplierProducts(db, supplierId, ids, { orderableOnly? })`: the supplier's products among
 * `ids` in one query; with `orderableOnly`, only active products not archived.
 */
export { findProductsByIds, findSupplierProducts } from './catalog.repo.js';

/**
 * Products (search, filters, by-SKU lookup), category trees and the buyer-facing catalog
 * (seed 003's catalog, seed 002's catalog search).
 */
export async function catalogModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(catalogRoutes);
}
