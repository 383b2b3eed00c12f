import { assertCan, can, isPlatformAllowed, membershipOf, permits, type Actor } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import type { Db } from '../../infra/db/client.js';
import { conflict, forbidden, invalidTransition, notFound, unauthorized } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import { recordEvent } from '../../infra/outbox.js';
import type { PageResult } from '../../infra/schemas.js';
import { findProductRow } from '../catalog/index.js';
import { findCustomer } from '../customers/index.js';
import { deductStock, listOrderMovements, releaseStock, type MovementRow } from '../inventory/index.js';
import { parseTimeRange } from '../../infra/time-range.js';
import { formatTaxRate } from '../organizations/index.js';
import * as repo from './orders.repo.js';
import { computeTotals, stockEffect, transitionRule, type OrderTotals } from './orders.rules.js';
import type {
  ChangeStatusInput, CustomerOrdersInput, ListOrdersInput, OrderDto, OrderSummaryDto, ProductOrderRowDto, ProductOrdersInput,
} from './orders.schemas.js';
import type { FulfilmentType, OrderSource, OrderStatus, StockState } from './orders.tables.js';

type OrderHead = repo.OrderWithParties;

/** A percentage as stored (`numeric(7,4)`) → its shortest decimal string: "17.0000" → "17", "7.2500" → "7.25". */
/** An order's tax rate as the API shows it: the same form as the supplier setting ("17.00"). */
export const formatRate = (rate: string) => formatTaxRate(rate);

function orderFields(o: OrderHead) {
  const m = (v: string) => formatMoney(v, o.currency);
  return {
    id: o.id,
    number: o.number,
    status: o.status,
    stock_state: o.stockState,
    source: o.source,
    supplier: { id: o.supplierId, name: o.supplierName },
    consumer: o.consumerId ? { id: o.consumerId, name: o.consumerName ?? '' } : null,
    customer: o.customerId ? { id: o.customerId, name: o.customerName ?? '', email: o.customerEmail } : null,
    channel: o.channelId ? { id: o.channelId, name: o.channelName ?? '' } : null,
    placed_by: o.placedBy,
    location_id: o.locationId,
    fulfilment: o.fulfilment,
    shipping_address: o.shippingAddress,
    billing_address: o.billingAddress,
    currency: o.currency,
    subtotal: m(o.subtotal),
    tax_rate: formatRate(o.taxRate),
    tax_total: m(o.taxTotal),
    shipping_total: m(o.shippingTotal),
    discount_total: m(o.discountTotal),
    total: m(o.total),
    notes: o.notes,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/**
 * API shape of an order with its lines and status history; amounts formatted in its currency.
 * `movements` (the order's stock movements) is included only when given: pass it only to supplier
 * staff with `inventory:read` (`mayReadOrderStock`), never to the buyer.
 */
export function toOrderDto(o: OrderHead, lines: repo.OrderLineRow[], history: repo.StatusHistoryRow[], movements?: MovementRow[]): OrderDto {
  const dto: OrderDto = {
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
  if (movements) {
    dto.stock_movements = movements.map((mv) => ({
      id: mv.id,
      product_id: mv.productId,
      location_id: mv.locationId,
      reason: mv.reason,
      on_hand_before: mv.onHandBefore,
      on_hand_after: mv.onHandAfter,
      reserved_before: mv.reservedBefore,
      reserved_after: mv.reservedAfter,
      actor_id: mv.actorId,
      created_at: mv.createdAt.toISOString(),
    }));
  }
  return dto;
}

/**
 * True when the actor may see an order's stock movements: supplier staff (or a platform admin)
 * with `inventory:read` in the order's supplier. Buyers never see them (they reveal on-hand figures).
 */
export const mayReadOrderStock = (actor: Actor | null, supplierId: string) => can(actor, 'inventory:read', supplierId);

/** The order's stock movements when the actor may read them (one query), else undefined. */
export async function movementsFor(db: Db, actor: Actor | null, supplierId: string, orderId: string): Promise<MovementRow[] | undefined> {
  return mayReadOrderStock(actor, supplierId) ? listOrderMovements(db, orderId) : undefined;
}

function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor) throw unauthorized();
  return ctx.actor;
}

/** Organizations of `type` where the actor holds `permission` (from the loaded memberships). */
const orgsWhere = (actor: Actor, type: 'supplier' | 'consumer', permission: string) =>
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
  const [lines, history, movements] = await Promise.all([
    repo.findLines(ctx.db, id), repo.findHistory(ctx.db, id), movementsFor(ctx.db, actor, o.supplierId, id),
  ]);
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
    status: q.status, supplierId: q.supplier_id, consumerId: q.consumer_id, customerId: q.customer_id, channelId: q.channel_id,
    createdFrom: range.from, createdTo: range.to, createdToExclusive: range.toExclusive, number: q.number,
    limit: q.limit, offset: q.offset,
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
    const found = await Promise.all(suppliers.map((s) => findCustomer(ctx.db, s, customerId)));
    supplierId = found.find((c) => c !== undefined)?.supplierId;
  }
  if (!supplierId) throw notFound('Customer');
  if (!can(actor, 'customers:read', supplierId)) assertCan(actor, 'orders:read', supplierId, 'Customer');
  const { items, total } = await repo.listOrders(ctx.db, { all: true, userId: actor.userId, consumerIds: [], supplierIds: [] }, {
    supplierId, customerId, status: q.status, limit: q.limit, offset: q.offset,
  });
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
  const product = await findProductRow(ctx.db, productId);
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
    total, limit: q.limit, offset: q.offset,
  };
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
    const [history, movements] = await Promise.all([repo.findHistory(tx.db, id), movementsFor(tx.db, actor, o.supplierId, id)]);
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

/** A line as the placement flow hands it over: the product snapshot and the merged quantity. */
export interface NewOrderLine {
  productId: string;
  sku: string;
  name: string;
  /** Unit price, a decimal string in the order's currency (the product's price at placement). */
  unitPrice: string;
  quantity: number;
}

/** What `createOrderRecord` writes. Amounts are decimal strings in `currency`. */
export interface NewOrder {
  supplierId: string;
  consumerId: string | null;
  /** The user who wrote the order (the buyer, or staff for `source = staff`); null for an import without one. */
  placedBy: string | null;
  locationId: string;
  currency: string;
  notes: string | null;
  lines: NewOrderLine[];
  /** The supplier's customer record of the buyer. */
  customerId?: string | null;
  channelId?: string | null;
  /** Default `buyer`. */
  source?: OrderSource;
  /** Default `delivery`. */
  fulfilment?: FulfilmentType;
  shippingAddress?: string | null;
  billingAddress?: string | null;
  /** The tax rate applied, in percent; default 0. */
  taxRate?: string;
  /** Totals computed by the caller (`computeTotals` with the supplier's settings); default: lines only, no tax or shipping. */
  totals?: OrderTotals;
  /** Default `pending` / `reserved` (an import may write a historical status with stock state `none`). */
  status?: OrderStatus;
  stockState?: StockState;
}

/**
 * Writes a new order (number `ORD-<n>` from `order_number_seq`), its lines with their totals and
 * the first history row (`null → status`), then reads it back with its parties' names. `ctx.db`
 * must be the caller's transaction (flows/place-order.ts reserves the stock and records the event
 * in the same one).
 * @returns `{order, lines, history}` ready for `toOrderDto`.
 */
export async function createOrderRecord(ctx: Ctx, input: NewOrder) {
  const totals = input.totals ?? computeTotals(input.lines);
  if (totals.lineTotals.length !== input.lines.length) throw new Error('totals do not match the lines');
  const status = input.status ?? 'pending';
  const inserted = await repo.insertOrder(ctx.db, {
    supplierId: input.supplierId,
    consumerId: input.consumerId,
    placedBy: input.placedBy,
    customerId: input.customerId ?? null,
    channelId: input.channelId ?? null,
    source: input.source ?? 'buyer',
    locationId: input.locationId,
    status,
    stockState: input.stockState ?? 'reserved',
    fulfilment: input.fulfilment ?? 'delivery',
    shippingAddress: input.shippingAddress ?? null,
    billingAddress: input.billingAddress ?? null,
    currency: input.currency,
    subtotal: totals.subtotal,
    taxRate: input.taxRate ?? '0',
    taxTotal: totals.taxTotal,
    shippingTotal: totals.shippingTotal,
    discountTotal: totals.discountTotal,
    total: totals.total,
    notes: input.notes,
  });
  const lines = await repo.insertLines(
    ctx.db,
    input.lines.map((l, i) => ({
      orderId: inserted.id, productId: l.productId, sku: l.sku, name: l.name, unitPrice: l.unitPrice, quantity: l.quantity, lineTotal: totals.lineTotals[i],
    })),
  );
  const history = await repo.insertHistory(ctx.db, { orderId: inserted.id, fromStatus: null, toStatus: status, actorId: input.placedBy });
  const order = await repo.findOrder(ctx.db, inserted.id);
  if (!order) throw new Error(`order ${inserted.id} is missing after insert`);
  return { order, lines, history: [history] };
}
