import { assertCan, can, isPlatformAllowed, membershipOf, permits, type Actor, type Permission } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, forbidden, invalidTransition, notFound, unauthorized } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import { recordEvent } from '../../infra/outbox.js';
import type { PageResult } from '../../infra/schemas.js';
import { recordAudit } from '../audit/index.js';
import { findProductRow } from '../catalog/index.js';
import { findCustomer } from '../customers/index.js';
import { parseTimeRange } from '../../infra/time-range.js';
import { deductStock, releaseStock } from '../stock/index.js';
import { movementsFor, orderFields, toOrderDto } from './orders.dto.js';
import * as repo from './orders.repo.js';
import { stockEffect, transitionRule } from './orders.rules.js';
import type {
  ChangeStatusInput,
  CustomerOrdersInput,
  ListOrdersInput,
  OrderDto,
  OrderSummaryDto,
  ProductOrderRowDto,
  ProductOrdersInput,
} from './orders.schemas.js';

type OrderHead = repo.OrderWithParties;

function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor) throw unauthorized();
  return ctx.actor;
}

/** Organizations of `type` where the actor holds `permission` (from the loaded memberships). */
const orgsWhere = (actor: Actor, type: 'supplier' | 'consumer', permission: Permission) =>
  actor.memberships.filter((m) => m.organizationType === type && permits(m.permissions, permission)).map((m) => m.organizationId);

/**
 * What the actor may see: their own purchases as a person (buyer orders for no organization that
 * they placed), and the orders of consumer organizations and suppliers where they currently hold
 * `orders:read`; platform admins see all.
 */
export function orderScope(actor: Actor): repo.OrderScope {
  return {
    all: isPlatformAllowed(actor, 'orders:read'),
    userId: actor.userId,
    consumerIds: orgsWhere(actor, 'consumer', 'orders:read'),
    supplierIds: orgsWhere(actor, 'supplier', 'orders:read'),
  };
}

/**
 * True when the order is the actor's own purchase as a person: a buyer order for no organization
 * that they placed. Orders written for an organization (a consumer's, or a supplier's staff order)
 * belong to that organization, and reach a person only through a current membership there: a member
 * who is removed loses them, including the ones they placed.
 */
const isOwnPurchase = (actor: Actor, o: repo.OrderRow) => o.source === 'buyer' && o.consumerId === null && o.placedBy === actor.userId;

/** Who may read an order: its buyer as a person, or current members with `orders:read` in its supplier or consumer. */
function canSee(actor: Actor, o: repo.OrderRow): boolean {
  return isOwnPurchase(actor, o) || can(actor, 'orders:read', o.supplierId) || (o.consumerId !== null && can(actor, 'orders:read', o.consumerId));
}

/**
 * The buyer side of an order: the person who bought it for themself, or a current member of its
 * consumer organization with `orders:cancel`. The staff member who wrote a staff order is not its buyer.
 */
function isBuyerSide(actor: Actor, o: repo.OrderRow): boolean {
  return isOwnPurchase(actor, o) || (o.consumerId !== null && can(actor, 'orders:cancel', o.consumerId));
}

/** Supplier side: a member of the order's supplier, or a platform admin. */
function isSupplierSide(actor: Actor, o: repo.OrderRow): boolean {
  return membershipOf(actor, o.supplierId) !== undefined || isPlatformAllowed(actor, 'orders:update_status');
}

async function visibleOrder(ctx: Ctx, actor: Actor, id: string): Promise<OrderHead> {
  const o = await repo.findOrder(ctx.db, id);
  if (!o || !canSee(actor, o)) throw notFound('Order');
  return o;
}

/**
 * One order with lines, status history, customer, channel, fulfilment, addresses, tax rate and
 * source; plus `stock_movements` for supplier staff with `inventory:read` in its supplier (omitted
 * for everyone else). Three or four queries whatever the order's size.
 * @throws 404 when it does not exist or the caller may not see it (see `orderScope`).
 */
export async function getOrder(ctx: Ctx, id: string): Promise<OrderDto> {
  const actor = requireActor(ctx);
  const o = await visibleOrder(ctx, actor, id);
  const [lines, history, movements] = await Promise.all([repo.findLines(ctx.db, id), repo.findHistory(ctx.db, id), movementsFor(ctx, o.supplierId, id)]);
  return toOrderDto(o, lines, history, movements);
}

/**
 * The orders the caller may see (`orderScope`), newest first, filtered by any of status, supplier,
 * consumer, customer, channel, creation time (`created_from` ≤ created_at ≤ `created_to`; a
 * date-only `created_to` includes that day) and exact number. Two queries whatever the page size.
 * Items carry `line_count`, not lines.
 * @throws 422 `querystring/created_from|created_to` for an invalid date, or when from > to.
 */
export async function listOrders(ctx: Ctx, q: ListOrdersInput): Promise<PageResult<OrderSummaryDto>> {
  const actor = requireActor(ctx);
  const range = parseTimeRange(q.created_from, q.created_to, { from: 'querystring/created_from', to: 'querystring/created_to' });
  const { items, total } = await repo.listOrders(ctx.db, orderScope(actor), {
    status: q.status,
    supplierId: q.supplier_id,
    consumerId: q.consumer_id,
    customerId: q.customer_id,
    channelId: q.channel_id,
    createdFrom: range.from,
    createdTo: range.to,
    createdToExclusive: range.toExclusive,
    number: q.number,
    limit: q.limit,
    offset: q.offset,
  });
  return { items: items.map((o) => ({ ...orderFields(o), line_count: o.lineCount })), total, limit: q.limit, offset: q.offset };
}

/**
 * The orders of one customer (seed 004 "orders by customer"), newest first, optionally of one
 * status: the customer's supplier staff with `customers:read` or `orders:read` see them. The
 * customer is looked up with `findCustomer` in each supplier the caller belongs to (a platform
 * admin: wherever it is). Three or so queries whatever the page size.
 * @throws 404 `Customer` when it does not exist or belongs to a supplier the caller is not a
 *   member of; 403 for a member with neither permission.
 */
export async function listCustomerOrders(ctx: Ctx, customerId: string, q: CustomerOrdersInput): Promise<PageResult<OrderSummaryDto>> {
  const actor = requireActor(ctx);
  let supplierId: string | undefined;
  if (isPlatformAllowed(actor, 'orders:read') || isPlatformAllowed(actor, 'customers:read')) {
    supplierId = await repo.findCustomerSupplier(ctx.db, customerId);
  } else {
    const suppliers = actor.memberships.filter((m) => m.organizationType === 'supplier').map((m) => m.organizationId);
    const found = await Promise.all(suppliers.map((s) => findCustomer(ctx, s, customerId)));
    supplierId = found.find((c) => c !== undefined)?.supplierId;
  }
  if (!supplierId) throw notFound('Customer');
  if (!can(actor, 'customers:read', supplierId)) assertCan(actor, 'orders:read', supplierId, 'Customer');
  const { items, total } = await repo.listOrders(
    ctx.db,
    { all: true, userId: actor.userId, consumerIds: [], supplierIds: [] },
    {
      supplierId,
      customerId,
      status: q.status,
      limit: q.limit,
      offset: q.offset,
    },
  );
  return { items: items.map((o) => ({ ...orderFields(o), line_count: o.lineCount })), total, limit: q.limit, offset: q.offset };
}

/**
 * Who bought a product (seed 004 `GET /products/{id}/orders`): its order lines, newest order first,
 * each `{order {id, number, status, created_at}, customer {id, name} | null, quantity, unit_price,
 * line_total, currency}` (amounts formatted in the order's currency). For supplier staff with
 * `orders:read` in the product's supplier; archived products included (order history points at
 * them). Three queries whatever the page size.
 * @throws 404 `Product` when it does not exist or belongs to another supplier; 403 for a member
 *   without `orders:read`.
 */
export async function listProductOrders(ctx: Ctx, productId: string, q: ProductOrdersInput): Promise<PageResult<ProductOrderRowDto>> {
  const actor = requireActor(ctx);
  const product = await findProductRow(ctx, productId);
  if (!product) throw notFound('Product');
  assertCan(actor, 'orders:read', product.supplierId, 'Product');
  const { items, total } = await repo.listProductSales(ctx.db, product.supplierId, productId, { status: q.status, limit: q.limit, offset: q.offset });
  return {
    items: items.map((r) => ({
      order: { id: r.orderId, number: r.number, status: r.status, created_at: r.createdAt.toISOString() },
      customer: r.customerId ? { id: r.customerId, name: r.customerName ?? '' } : null,
      quantity: r.quantity,
      unit_price: formatMoney(r.unitPrice, r.currency),
      line_total: formatMoney(r.lineTotal, r.currency),
      currency: r.currency,
    })),
    total,
    limit: q.limit,
    offset: q.offset,
  };
}

/**
 * Changes an order's status following the table of orders.rules.ts, in one
 * transaction: a conditional `UPDATE … WHERE status = from`, the stock effect (deduct on shipped or
 * completed, release on cancelled or rejected, once: `stock_state` records it), a history row and
 * an `order.status_changed` outbox event `{order_id, number, from, to, note}`.
 *
 * The buyer side (placer, or consumer member with `orders:cancel`) may only cancel, and only while
 * the order is pending: cancelling an accepted order is the supplier's call, so the buyer gets 403
 * `ORDER_NOT_CANCELLABLE` (the transition exists, the buyer is not allowed to make it).
 * @throws 404 not visible; 403 buyer asking for anything but cancel, or a supplier role without
 *   the transition's permission; 409 `INVALID_STATUS_TRANSITION`; 409 `CONCURRENT_UPDATE` when
 *   another change won the race.
 */
export async function changeStatus(ctx: Ctx, id: string, input: ChangeStatusInput): Promise<OrderDto> {
  const actor = requireActor(ctx);
  const o = await visibleOrder(ctx, actor, id);
  const from = o.status;
  const to = input.status;
  const supplierSide = isSupplierSide(actor, o);
  if (!supplierSide && to !== 'cancelled') {
    throw forbidden("Only the supplier changes an order's status; the buyer may cancel a pending order");
  }
  const rule = transitionRule(from, to);
  if (!rule) throw invalidTransition('Order', from, to);
  const allowed = can(actor, rule.supplier, o.supplierId) || (rule.buyer === true && isBuyerSide(actor, o));
  if (!allowed) {
    if (!supplierSide && to === 'cancelled' && isBuyerSide(actor, o)) {
      throw forbidden(`The buyer may cancel only a pending order; this one is ${from}, ask the supplier`, 'ORDER_NOT_CANCELLABLE');
    }
    throw forbidden(`Your role does not allow ${rule.supplier}`);
  }

  return inTransaction(ctx, async (tx) => {
    const effect = stockEffect(o.stockState, to);
    const stockState = effect === 'deduct' ? 'deducted' : effect === 'release' ? 'released' : o.stockState;
    const updated = await repo.updateStatusIf(tx.db, id, from, to, o.stockState, stockState);
    if (!updated) throw conflict('CONCURRENT_UPDATE', 'The order changed meanwhile; reload it and retry');
    const lines = await repo.findLines(tx.db, id);
    if (effect) {
      const stock = { locationId: o.locationId, orderId: o.id, lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })) };
      await (effect === 'deduct' ? deductStock(tx, stock) : releaseStock(tx, stock));
    }
    await repo.insertHistory(tx.db, { orderId: id, fromStatus: from, toStatus: to, note: input.note ?? null, actorId: actor.userId });
    // Staff and admins are audited; a buyer's own cancellation is evented only.
    if (supplierSide) {
      const changes = { status: { from, to }, ...(input.note ? { note: input.note } : {}) };
      await recordAudit(tx, { organizationId: o.supplierId, entityType: 'order', entityId: id, action: 'order.status_changed', changes });
    }
    await recordEvent(tx, {
      type: 'order.status_changed',
      aggregateType: 'order',
      aggregateId: id,
      organizationId: o.supplierId,
      payload: { version: 1, order_id: id, number: o.number, supplier_id: o.supplierId, consumer_id: o.consumerId, from, to, note: input.note ?? null },
    });
    const [history, movements] = await Promise.all([repo.findHistory(tx.db, id), movementsFor(tx, o.supplierId, id)]);
    return toOrderDto({ ...o, ...updated }, lines, history, movements);
  });
}

/**
 * Cancels an order: `changeStatus(…, 'cancelled')` with `reason` as the history note. The buyer
 * may cancel while pending; supplier staff as the table allows. The reservation is released.
 * @throws as `changeStatus`.
 */
export function cancelOrder(ctx: Ctx, id: string, reason?: string): Promise<OrderDto> {
  return changeStatus(ctx, id, { status: 'cancelled', note: reason });
}
