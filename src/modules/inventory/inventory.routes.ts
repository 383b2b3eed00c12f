import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Inventory routes (being built). */
export const inventoryRoutes: FastifyPluginAsyncTypebox = async () => {};
