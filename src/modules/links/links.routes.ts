import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Link routes (being built). */
export const linksRoutes: FastifyPluginAsyncTypebox = async () => {};
