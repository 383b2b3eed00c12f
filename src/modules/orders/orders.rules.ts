/**
 * Pure order rules: the status transition table (docs/architecture.md, "Stock and orders") and totals. No I/O here, so
 * both are unit-tested on their own (orders.rules.test.ts).
 */
import { Decimal, minorDigits } from '../../infra/money.js';
import type { FulfilmentType, OrderStatus } from './orders.tables.js';

/** Who may make one transition. */
export interface TransitionRule {
  /** The permission a supplier member needs in the order's supplier. */
  supplier: 'orders:decide' | 'orders:update_status' | 'orders:refund';
  /** True when the buyer side (the placer, or a consumer member with `orders:cancel`) may also make it. */
  buyer?: true;
}

/**
 * The order state machine, from → to → who (docs/architecture.md, "Stock and orders"; covering all five seeds'
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
 * The stock effect of entering `to` while the order's stock is `current` (docs/architecture.md, "Stock and orders"):
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
 * What the totals depend on besides the lines: the supplier's settings at placement (
 * seed 002's delivery fee) and the order's fulfilment. Amounts are decimal strings in `currency`.
 */
export interface TotalsOptions {
  /** ISO 4217 code; the tax is rounded half-up to its minor digits. Required when `taxRate` > 0. */
  currency?: string;
  /** Tax in percent of `subtotal − discount` (e.g. `"17"` or `"17.0000"`); default 0. */
  taxRate?: string;
  /** `delivery` (default) may pay `deliveryFee`; `pickup` never pays a fee. */
  fulfilment?: FulfilmentType;
  /** The supplier's delivery fee; default 0. */
  deliveryFee?: string;
  /** A delivery order whose `subtotal − discount` reaches this amount pays no fee; null/absent: always the fee. */
  freeDeliveryThreshold?: string | null;
  /** Discount on the goods; default 0 (no discount rules yet). */
  discount?: string;
  /** An explicit tax amount (an imported order's historical figure) used as given instead of `taxRate`. */
  tax?: string;
  /** An explicit shipping amount (an imported order's historical figure) used as given instead of the fee rule. */
  shipping?: string;
}

/**
 * The delivery fee of an order (seed 002: 30 ILS below 150 ILS, free from 150 ILS): 0 for pickup;
 * for delivery, `deliveryFee` unless `freeDeliveryThreshold` is set and `goods ≥ threshold`.
 * `goods` is the subtotal after discount. Returns a Decimal in the order's currency.
 */
export function deliveryFeeFor(goods: Decimal, opts: Pick<TotalsOptions, 'fulfilment' | 'deliveryFee' | 'freeDeliveryThreshold'>): Decimal {
  if ((opts.fulfilment ?? 'delivery') === 'pickup') return new Decimal(0);
  const fee = new Decimal(opts.deliveryFee ?? 0);
  if (fee.isNegative()) throw new Error('the delivery fee must be 0 or more');
  const threshold = opts.freeDeliveryThreshold;
  if (threshold !== null && threshold !== undefined && goods.greaterThanOrEqualTo(threshold)) return new Decimal(0);
  return fee;
}

/**
 * The tax on `goods` (the subtotal after discount) at `taxRate` percent, rounded half-up to the
 * currency's minor digits (`minorDigits`: 2 for ILS and KZT, 0 for JPY), exactly (decimal.js).
 * E.g. 17% of 0.25 ILS = 0.0425 → 0.04; 17% of 0.50 ILS = 0.085 → 0.09.
 * @throws Error when the rate is negative, or positive without a currency.
 */
export function taxFor(goods: Decimal, taxRate: string | undefined, currency: string | undefined): Decimal {
  const rate = new Decimal(taxRate ?? 0);
  if (rate.isNegative()) throw new Error('the tax rate must be 0 or more');
  if (rate.isZero()) return new Decimal(0);
  if (!currency) throw new Error('a currency is needed to round the tax');
  return goods.times(rate).dividedBy(100).toDecimalPlaces(minorDigits(currency), Decimal.ROUND_HALF_UP);
}

/**
 * Computes an order's totals exactly (decimal.js, never float):
 * - each line total is `unit_price × quantity`, `subtotal = Σ line totals`;
 * - `tax = round_half_up((subtotal − discount) × tax_rate / 100)` to the currency's minor digits
 *   (`taxFor`); shipping is not taxed;
 * - `shipping` = the delivery fee rule (`deliveryFeeFor`; seed 002: 30 below 150, free from 150;
 *   pickup pays none);
 * - `total = subtotal − discount + tax + shipping`.
 * Explicit `tax` / `shipping` amounts (imports) replace the rules. Without options everything but
 * the subtotal is 0. Amounts are returned with 4 decimals, as stored; format them for JSON with
 * `formatMoney`.
 * @throws Error when a quantity is not a whole number ≥ 1, the discount exceeds subtotal + tax +
 *   shipping, or a rate, fee or discount is negative (programming errors: inputs are validated before).
 */
export function computeTotals(lines: PricedLine[], opts: TotalsOptions = {}): OrderTotals {
  let subtotal = new Decimal(0);
  const lineTotals = lines.map((l) => {
    if (!Number.isInteger(l.quantity) || l.quantity < 1) throw new Error(`quantity must be a whole number >= 1, got ${l.quantity}`);
    const t = new Decimal(l.unitPrice).times(l.quantity);
    subtotal = subtotal.plus(t);
    return t.toFixed(4);
  });
  const discount = new Decimal(opts.discount ?? 0);
  if (discount.isNegative()) throw new Error('the discount must be 0 or more');
  // The goods after discount: the tax base and what the free-delivery threshold is compared with.
  // Only an imported order (explicit amounts) may carry a discount above the subtotal.
  const goods = Decimal.max(subtotal.minus(discount), 0);
  const tax = opts.tax !== undefined ? new Decimal(opts.tax) : taxFor(goods, opts.taxRate, opts.currency);
  const shipping = opts.shipping !== undefined ? new Decimal(opts.shipping) : deliveryFeeFor(goods, opts);
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
