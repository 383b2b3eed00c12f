import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { customersRoutes } from './customers.routes.js';

export { customers } from './customers.tables.js';
export type { CustomerIdentity, CustomerRow } from './customers.repo.js';
/**
 * Ctx first: `findCustomer(ctx, supplierId, id)`: one customer of the supplier, or undefined;
 * `findOrCreateCustomer(tx, identity)`: the supplier's record of a buyer, created when missing
 * (concurrency-safe), in the caller's transaction.
 */
export { findCustomer, findOrCreateCustomer } from './customers.service.js';

/** Customers: each supplier's records of who buys from it. */
export async function customersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(customersRoutes);
}
