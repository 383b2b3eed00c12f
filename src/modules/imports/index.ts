import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { importsRoutes, MAX_IMPORT_BYTES } from './imports.routes.js';

export { importRuns, IMPORT_KINDS, type ImportKind, type ImportRowError } from './imports.tables.js';
/**
 * `runImport(ctx, {kind, supplierId?, filename, content})`: imports one CSV file, all or nothing
 * (the route and `npm run import` both use it). `SYSTEM_ACTOR` is the command line's actor.
 */
export { runImport, SYSTEM_ACTOR, type ImportInput } from './imports.service.js';
export type { ImportRunDto } from './imports.schemas.js';
/** The fixed columns of each kind of file (`stock:`/`reorder_point:` columns come on top for products). */
export { CATEGORY_COLUMNS } from './imports.categories.js';
export { PRODUCT_COLUMNS } from './imports.products.js';
export { ORDER_COLUMNS } from './imports.orders.js';

/**
 * CSV imports (categories, products with stock, historical orders) and the products export.
 * `@fastify/multipart` is registered here, so multipart bodies are accepted by this plugin's routes only.
 */
export async function importsModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 2, fields: 10, parts: 12, fieldSize: 10_000 } });
  await app.register(importsRoutes);
}
