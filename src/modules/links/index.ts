import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { linksRoutes } from './links.routes.js';

export { links, LINK_STATUSES, type LinkStatus } from './links.tables.js';
/** `listAcceptedLinkConsumers(ctx, consumerIds, supplierId)`: those of `consumerIds` with an accepted link, sorted. */
export { listAcceptedLinkConsumers } from './links.service.js';

/** Links between consumer organizations and suppliers. */
export async function linksModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(linksRoutes);
}
