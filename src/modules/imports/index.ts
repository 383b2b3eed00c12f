import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { importsRoutes } from './imports.routes.js';

export { importRuns, IMPORT_KINDS, type ImportKind } from './imports.tables.js';

/** CSV imports (categories, products with stock, historical orders) and the products export. */
export async function importsModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(importsRoutes);
}
