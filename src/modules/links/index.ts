import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { linksRoutes } from './links.routes.js';

export { links, LINK_STATUSES, type LinkStatus } from './links.tables.js';
/**
 * `findAcceptedLinkConsumer(db, consumerIds, supplierId)`: the first of `consumerIds` that has an
 * accepted link with `supplierId`, or null.
 */
export { findAcceptedLinkConsumer, listAcceptedLinkConsumers } from './links.repo.js';

/** Links between consumer organizations and suppliers (seed 000). */
export async function linksModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(linksRoutes);
}
