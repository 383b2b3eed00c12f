import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/customers`: a supplier's records of who buys from it. */
export const customersRoutes: FastifyPluginAsyncTypebox = async () => {};
