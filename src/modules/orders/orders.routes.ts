import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Order routes (being built). */
export const ordersRoutes: FastifyPluginAsyncTypebox = async () => {};
