import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { catalogRoutes } from './catalog.routes.js';

export { products, categories } from './catalog.tables.js';

/** Products, categories and the buyer-facing catalog. */
export async function catalogModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(catalogRoutes);
}
