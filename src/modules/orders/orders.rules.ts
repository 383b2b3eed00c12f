/**
 * Pure order rules: the status transition table (DESIGN.md section 6) and totals. No I/O here, so
 * both are unit-tested on their own (orders.rules.test.ts).
 */
import { Decimal } from '../../infra/money.js';
import type { OrderStatus } from './orders.tables.js';

/** Who may make one transition. */
export interface TransitionRule {
  /** The permission a supplier member needs in the order's supplier. */
  supplier: 'orders:decide' | 'orders:update_status' | 'orders:refund';
  /** True when the buyer side (the placer, or a consumer member with `orders:cancel`) may also make it. */
  buyer?: true;
}

/**
 * The order state machine, from → to → who (DESIGN.md section 6, covering all five seeds'
 * vocabularies). A pair that is not here is an invalid transition (409 `INVALID_STATUS_TRANSITION`).
 * - `orders:decide`: supplier owner, manager (accept, reject, cancel a pending order);
 * - `orders:update_status`: any supplier staff role (the fulfilment steps);
 * - `orders:refund`: supplier owner, manager.
 * The buyer may only cancel, and only while the order is pending.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderStatus, TransitionRule>>>>> = {
  pending: {
    accepted: { supplier: 'orders:decide' },
    rejected: { supplier: 'orders:decide' },
    cancelled: { supplier: 'orders:decide', buyer: true },
  },
  accepted: {
    in_progress: { supplier: 'orders:update_status' },
    cancelled: { supplier: 'orders:update_status' },
  },
  in_progress: {
    ready: { supplier: 'orders:update_status' },
    completed: { supplier: 'orders:update_status' },
    cancelled: { supplier: 'orders:update_status' },
  },
  ready: {
    shipped: { supplier: 'orders:update_status' },
    completed: { supplier: 'orders:update_status' },
    cancelled: { supplier: 'orders:update_status' },
  },
  shipped: {
    delivered: { supplier: 'orders:update_status' },
  },
  delivered: {
    completed: { supplier: 'orders:update_status' },
    refunded: { supplier: 'orders:refund' },
  },
  completed: {
    refunded: { supplier: 'orders:refund' },
  },
  rejected: {},
  cancelled: {},
  refunded: {},
};

/** The rule of `from → to`, or undefined when the transition is invalid. */
export function transitionRule(from: OrderStatus, to: OrderStatus): TransitionRule | undefined {
  return ORDER_TRANSITIONS[from]?.[to];
}

export type { StockState } from './orders.tables.js';
import type { StockState } from './orders.tables.js';

/**
 * The stock effect of entering `to` while the order's stock is `current` (DESIGN.md section 6):
 * shipping or completing deducts a reservation, cancelling or rejecting releases it; anything else
 * (and any status once the stock is deducted or released) changes nothing. Deduction therefore
 * happens once, at `shipped` or at `completed` when the order skips shipping (pickup).
 */
export function stockEffect(current: StockState, to: OrderStatus): 'deduct' | 'release' | null {
  if (current !== 'reserved') return null;
  if (to === 'shipped' || to === 'completed') return 'deduct';
  if (to === 'cancelled' || to === 'rejected') return 'release';
  return null;
}

/** An order line's price input: unit price as a decimal string in the order's currency, whole units. */
export interface PricedLine {
  unitPrice: string;
  quantity: number;
}

/** Order totals as decimal strings with 4 decimals (the `numeric(19,4)` columns), in the order's currency. */
export interface OrderTotals {
  lineTotals: string[];
  subtotal: string;
  taxTotal: string;
  shippingTotal: string;
  discountTotal: string;
  total: string;
}

/**
 * Computes an order's totals exactly (decimal.js, never float): each line total is
 * `unit_price × quantity`, `subtotal = Σ line totals`, `total = subtotal − discount + tax + shipping`.
 * Tax, shipping and discount default to 0 (not computed yet). Amounts are returned with 4 decimals,
 * as stored; format them for JSON with `formatMoney`.
 * @throws Error when a quantity is not a whole number ≥ 1 or the discount exceeds subtotal + tax + shipping.
 */
export function computeTotals(lines: PricedLine[], extra: { tax?: string; shipping?: string; discount?: string } = {}): OrderTotals {
  let subtotal = new Decimal(0);
  const lineTotals = lines.map((l) => {
    if (!Number.isInteger(l.quantity) || l.quantity < 1) throw new Error(`quantity must be a whole number >= 1, got ${l.quantity}`);
    const t = new Decimal(l.unitPrice).times(l.quantity);
    subtotal = subtotal.plus(t);
    return t.toFixed(4);
  });
  const tax = new Decimal(extra.tax ?? 0);
  const shipping = new Decimal(extra.shipping ?? 0);
  const discount = new Decimal(extra.discount ?? 0);
  const total = subtotal.minus(discount).plus(tax).plus(shipping);
  if (total.isNegative()) throw new Error('the discount exceeds the order amount');
  return {
    lineTotals,
    subtotal: subtotal.toFixed(4),
    taxTotal: tax.toFixed(4),
    shippingTotal: shipping.toFixed(4),
    discountTotal: discount.toFixed(4),
    total: total.toFixed(4),
  };
}
