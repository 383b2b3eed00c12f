import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/sales-channels`: a supplier's sales channels. */
export const salesChannelsRoutes: FastifyPluginAsyncTypebox = async () => {};
