import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { customersRoutes } from './customers.routes.js';

export { customers } from './customers.tables.js';
/** `findCustomer(db, supplierId, id)`: one customer of the supplier, or undefined. */
export { findCustomer, type CustomerRow } from './customers.repo.js';
/** `findOrCreateCustomer(db, identity)`: the supplier's record of a buyer, created when missing (concurrency-safe). */
export { findOrCreateCustomer, type CustomerIdentity } from './customers.repo.js';

/** Customers: each supplier's records of who buys from it. */
export async function customersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(customersRoutes);
}
