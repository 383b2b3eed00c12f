import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { linksRoutes } from './links.routes.js';

export { links, LINK_STATUSES, type LinkStatus } from './links.tables.js';
/** `listAcceptedLinkConsumers(db, consumerIds, supplierId)`: those of `consumerIds` with an accepted link. */
export { listAcceptedLinkConsumers } from './links.repo.js';

/** Links between consumer organizations and suppliers (seed 000). */
export async function linksModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(linksRoutes);
}
