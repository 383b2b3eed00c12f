import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { browseRoutes } from './catalog.browse.routes.js';
import { categoriesRoutes } from './catalog.categories.routes.js';
import { productsRoutes } from './catalog.products.routes.js';

export { products, categories } from './catalog.tables.js';
/** A product row as other modules read it: every column but `search_vector` (the large generated full-text column). */
export type { ProductRow } from './catalog.products.repo.js';
/**
 * Ctx first: `findProductRow(ctx, id)`: one product, archived or not, of any supplier (callers
 * check access); `findProductsByIds(ctx, ids)`: those products, any supplier, one query;
 * `findSupplierProducts(ctx, supplierId, ids, { orderableOnly? })`: the supplier's products among
 * `ids` in one query; with `orderableOnly`, only active products not archived.
 */
export { findProductRow, findProductsByIds, findSupplierProducts } from './catalog.products.js';

/**
 * Products (staff CRUD, search, filters, by-SKU lookup), category trees and the buyer-facing
 * catalog. Sits above stock (a new product's initial stock) and below inventory.
 */
export async function catalogModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(productsRoutes);
  await app.register(categoriesRoutes);
  await app.register(browseRoutes);
}
