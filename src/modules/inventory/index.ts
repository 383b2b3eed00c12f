import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { inventoryRoutes } from './inventory.routes.js';

export { stockLevels, stockLocations, stockMovements, LOCATION_KINDS, MOVEMENT_REASONS, type LocationKind, type MovementReason } from './inventory.tables.js';
/** `ensureDefaultLocation(ctx, supplierId)`: the supplier's default stock location, created on first use. */
export { ensureDefaultLocation } from './inventory.service.js';
/** `recordInitialStock(tx, {productId, supplierId, quantity})`: a new product's stock at the default location, with an `initial` movement. */
export { recordInitialStock } from './inventory.service.js';
/** `findLocation(db, supplierId, id)`: one stock location of the supplier (any state), or undefined. */
export { findLocation, listOrderMovements, type LocationRow, type MovementRow } from './inventory.repo.js';
/**
 * `lockSupplierLocations(db, supplierId)`: the transaction-scoped lock every writer of a supplier's
 * stock locations takes first (the locations API, `ensureDefaultLocation`), so that names and the
 * one default are decided one writer at a time. Modules that insert locations take it too.
 */
export { lockSupplierLocations } from './inventory.repo.js';
/** Stock operations of the order lifecycle: reserve, deduct, release (each writes movements). */
export { deductStock, releaseStock, reserveStock, type StockLine } from './inventory.stock.js';

/**
 * Stock locations (`/locations`), stock levels, transfers and movement history (`/inventory`), and
 * one product's stock (`/products/{id}/inventory`).
 */
export async function inventoryModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(inventoryRoutes);
}
