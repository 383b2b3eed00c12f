import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { ordersRoutes } from './orders.routes.js';

/** Orders: placement (flows/place-order.ts), status lifecycle, history. */
export async function ordersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(ordersRoutes);
}
