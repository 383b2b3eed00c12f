import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/imports`: CSV imports of categories, products and historical orders. */
export const importsRoutes: FastifyPluginAsyncTypebox = async () => {};
