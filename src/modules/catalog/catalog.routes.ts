import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Catalog routes (being built). */
export const catalogRoutes: FastifyPluginAsyncTypebox = async () => {};
