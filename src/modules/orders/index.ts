import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { ordersRoutes } from './orders.routes.js';

export {
  orderLines, orders, orderStatusHistory, ORDER_STATUSES, ORDER_SOURCES, FULFILMENT_TYPES,
  type OrderStatus, type OrderSource, type FulfilmentType,
} from './orders.tables.js';
/**
 * For the placement flow (and imports): `createOrderRecord(tx, NewOrder)` writes the order, lines
 * and first history row; `toOrderDto` shapes the answer; `movementsFor` loads the order's stock
 * movements only for supplier staff with `inventory:read`.
 */
export { createOrderRecord, movementsFor, toOrderDto, type NewOrder, type NewOrderLine } from './orders.service.js';
export type { OrderDto, PlaceOrderInput } from './orders.schemas.js';
/** Pure rules: the status table and exact totals (tax rounded half-up, delivery fee). */
export { ORDER_TRANSITIONS, computeTotals, transitionRule, type OrderTotals, type TotalsOptions } from './orders.rules.js';

/** Orders: placement (flows/place-order.ts), status lifecycle, history, order queries. */
export async function ordersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(ordersRoutes);
}
