import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { inventoryRoutes } from './inventory.routes.js';

/**
 * Inventory: the HTTP side of stock, above catalog. Stock locations (`/locations`), stock levels,
 * adjustments, transfers and movement history (`/inventory`), and one product's stock
 * (`/products/{id}/inventory`). The tables and the operations other modules share are the stock
 * module's; nothing imports this module but the app.
 */
export async function inventoryModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(inventoryRoutes);
}
