import { can, isPlatformAllowed, membershipOf, permits, type Actor } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, forbidden, invalidTransition, notFound, unauthorized } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import { recordEvent } from '../../infra/outbox.js';
import type { PageResult } from '../../infra/schemas.js';
import { deductStock, releaseStock } from '../inventory/index.js';
import * as repo from './orders.repo.js';
import { computeTotals, stockEffect, transitionRule } from './orders.rules.js';
import type { ChangeStatusInput, ListOrdersInput, OrderDto, OrderSummaryDto } from './orders.schemas.js';
import type { OrderStatus } from './orders.tables.js';

type OrderHead = repo.OrderWithParties;

function orderFields(o: OrderHead) {
  const m = (v: string) => formatMoney(v, o.currency);
  return {
    id: o.id,
    number: o.number,
    status: o.status,
    stock_state: o.stockState,
    supplier: { id: o.supplierId, name: o.supplierName },
    consumer: o.consumerId ? { id: o.consumerId, name: o.consumerName ?? '' } : null,
    placed_by: o.placedBy,
    location_id: o.locationId,
    currency: o.currency,
    subtotal: m(o.subtotal),
    tax_total: m(o.taxTotal),
    shipping_total: m(o.shippingTotal),
    discount_total: m(o.discountTotal),
    total: m(o.total),
    notes: o.notes,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/** API shape of an order with its lines and status history; amounts formatted in its currency. */
export function toOrderDto(o: OrderHead, lines: repo.OrderLineRow[], history: repo.StatusHistoryRow[]): OrderDto {
  return {
    ...orderFields(o),
    lines: lines.map((l) => ({
      id: l.id,
      product_id: l.productId,
      sku: l.sku,
      name: l.name,
      unit_price: formatMoney(l.unitPrice, o.currency),
      quantity: l.quantity,
      line_total: formatMoney(l.lineTotal, o.currency),
    })),
    status_history: history.map((h) => ({
      from_status: h.fromStatus as OrderStatus | null,
      to_status: h.toStatus as OrderStatus,
      note: h.note,
      actor_id: h.actorId,
      created_at: h.createdAt.toISOString(),
    })),
  };
}

function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor) throw unauthorized();
  return ctx.actor;
}

/** Organizations of `type` where the actor holds `permission` (from the loaded memberships). */
const orgsWhere = (actor: Actor, type: 'supplier' | 'consumer', permission: string) =>
  actor.memberships.filter((m) => m.organizationType === type && permits(m.permissions, permission)).map((m) => m.organizationId);

/**
 * What the actor may see: orders they placed, orders of consumer organizations and of suppliers
 * where they hold `orders:read`; platform admins see all.
 */
export function orderScope(actor: Actor): repo.OrderScope {
  return {
    all: isPlatformAllowed(actor, 'orders:read'),
    userId: actor.userId,
    consumerIds: orgsWhere(actor, 'consumer', 'orders:read'),
    supplierIds: orgsWhere(actor, 'supplier', 'orders:read'),
  };
}

function canSee(actor: Actor, o: repo.OrderRow): boolean {
  return o.placedBy === actor.userId || can(actor, 'orders:read', o.supplierId) || (o.consumerId !== null && can(actor, 'orders:read', o.consumerId));
}

/** The buyer side of an order: its placer, or a member of its consumer organization with `orders:cancel`. */
function isBuyerSide(actor: Actor, o: repo.OrderRow): boolean {
  return o.placedBy === actor.userId || (o.consumerId !== null && can(actor, 'orders:cancel', o.consumerId));
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
 * One order with lines and status history.
 * @throws 404 when it does not exist or the caller may not see it (see `orderScope`).
 */
export async function getOrder(ctx: Ctx, id: string): Promise<OrderDto> {
  const actor = requireActor(ctx);
  const o = await visibleOrder(ctx, actor, id);
  const [lines, history] = await Promise.all([repo.findLines(ctx.db, id), repo.findHistory(ctx.db, id)]);
  return toOrderDto(o, lines, history);
}

/**
 * The orders the caller may see (`orderScope`), newest first, optionally filtered by status,
 * supplier or consumer: two queries whatever the page size. Items carry `line_count`, not lines.
 */
export async function listOrders(ctx: Ctx, q: ListOrdersInput): Promise<PageResult<OrderSummaryDto>> {
  const actor = requireActor(ctx);
  const { items, total } = await repo.listOrders(ctx.db, orderScope(actor), {
    status: q.status, supplierId: q.supplier_id, consumerId: q.consumer_id, limit: q.limit, offset: q.offset,
  });
  return { items: items.map((o) => ({ ...orderFields(o), line_count: o.lineCount })), total, limit: q.limit, offset: q.offset };
}

/**
 * Changes an order's status following the table of orders.rules.ts (DESIGN.md section 6), in one
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
    throw forbidden('Only the supplier changes an order\'s status; the buyer may cancel a pending order');
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
    await recordEvent(tx, {
      type: 'order.status_changed',
      aggregateType: 'order',
      aggregateId: id,
      organizationId: o.supplierId,
      payload: { order_id: id, number: o.number, supplier_id: o.supplierId, consumer_id: o.consumerId, from, to, note: input.note ?? null },
    });
    const history = await repo.findHistory(tx.db, id);
    return toOrderDto({ ...o, ...updated }, lines, history);
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

/** A line as the placement flow hands it over: the product snapshot and the merged quantity. */
export interface NewOrderLine {
  productId: string;
  sku: string;
  name: string;
  /** Unit price, a decimal string in the order's currency (the product's price at placement). */
  unitPrice: string;
  quantity: number;
}

/**
 * Writes a new pending order (number `ORD-<n>` from `order_number_seq`), its lines with exact
 * totals (`computeTotals`) and the first history row (`null → pending`). `ctx.db` must be the
 * placement transaction (flows/place-order.ts), which reserves the stock and records the event.
 */
export async function createOrderRecord(
  ctx: Ctx,
  input: { supplierId: string; consumerId: string | null; placedBy: string; locationId: string; currency: string; notes: string | null; lines: NewOrderLine[] },
) {
  const totals = computeTotals(input.lines);
  const order = await repo.insertOrder(ctx.db, {
    supplierId: input.supplierId,
    consumerId: input.consumerId,
    placedBy: input.placedBy,
    locationId: input.locationId,
    status: 'pending',
    stockState: 'reserved',
    currency: input.currency,
    subtotal: totals.subtotal,
    taxTotal: totals.taxTotal,
    shippingTotal: totals.shippingTotal,
    discountTotal: totals.discountTotal,
    total: totals.total,
    notes: input.notes,
  });
  const lines = await repo.insertLines(
    ctx.db,
    input.lines.map((l, i) => ({
      orderId: order.id, productId: l.productId, sku: l.sku, name: l.name, unitPrice: l.unitPrice, quantity: l.quantity, lineTotal: totals.lineTotals[i],
    })),
  );
  const history = await repo.insertHistory(ctx.db, { orderId: order.id, fromStatus: null, toStatus: 'pending', actorId: input.placedBy });
  return { order, lines, history: [history] };
}

