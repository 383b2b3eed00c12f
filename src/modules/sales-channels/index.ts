import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { salesChannelsRoutes } from './sales-channels.routes.js';

export { salesChannels, CHANNEL_KINDS, type ChannelKind } from './sales-channels.tables.js';
export type { SalesChannelRow } from './sales-channels.repo.js';
/**
 * Ctx first: `findChannel(ctx, supplierId, id)` / `findChannelByName(ctx, supplierId, name)`: one
 * channel of the supplier, or undefined; `ensureDefaultChannel(ctx, supplierId)`: the supplier's
 * default channel, created on first use (concurrency-safe).
 */
export { ensureDefaultChannel, findChannel, findChannelByName } from './sales-channels.service.js';

/** Sales channels: where a supplier's orders come from (online, retail, phone…). */
export async function salesChannelsModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(salesChannelsRoutes);
}
