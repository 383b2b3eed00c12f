import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { ordersRoutes } from './orders.routes.js';

export {
  orderLines,
  orders,
  orderStatusHistory,
  ORDER_STATUSES,
  ORDER_SOURCES,
  FULFILMENT_TYPES,
  type OrderStatus,
  type OrderSource,
  type FulfilmentType,
} from './orders.tables.js';
/**
 * For the placement flow (and imports): `createOrderRecord(tx, NewOrder)` writes the order, lines
 * and first history row in the caller's transaction; `toOrderDto` shapes the answer;
 * `movementsFor(ctx, supplierId, orderId)` loads the order's stock movements only when `ctx.actor`
 * is supplier staff with `inventory:read`.
 */
export { createOrderRecord, type NewOrder, type NewOrderLine } from './orders.create.js';
export { movementsFor, toOrderDto } from './orders.dto.js';
export type { OrderDto, PlaceOrderInput } from './orders.schemas.js';
/** The request and response schemas of `POST /orders` (the place-order flow's route). */
export { Order, PlaceOrderBody } from './orders.schemas.js';
/** Pure rules: the status table and exact totals (tax rounded half-up, delivery fee). */
export { ORDER_TRANSITIONS, computeTotals, transitionRule, type OrderTotals, type TotalsOptions } from './orders.rules.js';

/** Orders: status lifecycle, history, order queries (placement, `POST /orders`, is flows/place-order.ts). */
export async function ordersModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(ordersRoutes);
}
