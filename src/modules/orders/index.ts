import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { ordersRoutes } from './orders.routes.js';

export { orderLines, orders, orderStatusHistory, ORDER_STATUSES, type OrderStatus } from './orders.tables.js';
/**
 * For the placement flow: `createOrderRecord(tx, …)` writes the order, lines and first history row;
 * `toOrderDto` shapes the answer.
 */
export { createOrderRecord, toOrderDto, type NewOrderLine } from './orders.service.js';
export type { OrderDto, PlaceOrderInput } from './orders.schemas.js';
export { ORDER_TRANSITIONS, computeTotals, transitionRule } from './orders.rules.js';

/** Orders: placement (flows/place-order.ts), status lifecycle, history. */
export async function ordersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(ordersRoutes);
}
