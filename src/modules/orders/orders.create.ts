/**
 * Writing a new order record (order, lines, first history row) inside the caller's transaction: the
 * placement flow and the historical-order import both use it.
 */
import type { TxCtx } from '../../infra/context.js';
import * as repo from './orders.repo.js';
import { computeTotals, type OrderTotals } from './orders.rules.js';
import type { FulfilmentType, OrderSource, OrderStatus, StockState } from './orders.tables.js';

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
 * the first history row (`null → status`), then reads it back with its parties' names, in the
 * caller's transaction (flows/place-order.ts reserves the stock and records the event in the same
 * one).
 * @returns `{order, lines, history}` ready for `toOrderDto`.
 */
export async function createOrderRecord(tx: TxCtx, input: NewOrder) {
  const totals = input.totals ?? computeTotals(input.lines);
  if (totals.lineTotals.length !== input.lines.length) throw new Error('totals do not match the lines');
  const status = input.status ?? 'pending';
  const inserted = await repo.insertOrder(tx.db, {
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
    tx.db,
    input.lines.map((l, i) => ({
      orderId: inserted.id,
      productId: l.productId,
      sku: l.sku,
      name: l.name,
      unitPrice: l.unitPrice,
      quantity: l.quantity,
      lineTotal: totals.lineTotals[i],
    })),
  );
  const history = await repo.insertHistory(tx.db, { orderId: inserted.id, fromStatus: null, toStatus: status, actorId: input.placedBy });
  const order = await repo.findOrder(tx.db, inserted.id);
  if (!order) throw new Error(`order ${inserted.id} is missing after insert`);
  return { order, lines, history: [history] };
}
