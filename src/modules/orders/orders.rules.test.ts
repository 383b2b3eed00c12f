import { describe, expect, it } from 'vitest';
import { computeTotals, ORDER_TRANSITIONS, stockEffect, transitionRule } from './orders.rules.js';
import { ORDER_STATUSES, type OrderStatus } from './orders.tables.js';

describe('order transition table', () => {
  const allowed = (from: OrderStatus) => Object.keys(ORDER_TRANSITIONS[from]).sort();

  it('matches the order lifecycle table of docs/architecture.md exactly', () => {
    expect(allowed('pending')).toEqual(['accepted', 'cancelled', 'rejected']);
    expect(allowed('accepted')).toEqual(['cancelled', 'in_progress']);
    expect(allowed('in_progress')).toEqual(['cancelled', 'completed', 'ready']);
    expect(allowed('ready')).toEqual(['cancelled', 'completed', 'shipped']);
    expect(allowed('shipped')).toEqual(['delivered']);
    expect(allowed('delivered')).toEqual(['completed', 'refunded']);
    expect(allowed('completed')).toEqual(['refunded']);
    for (const terminal of ['rejected', 'cancelled', 'refunded'] as const) expect(allowed(terminal)).toEqual([]);
  });

  it('names the permission of each transition', () => {
    expect(transitionRule('pending', 'accepted')).toEqual({ supplier: 'orders:decide' });
    expect(transitionRule('pending', 'rejected')).toEqual({ supplier: 'orders:decide' });
    expect(transitionRule('pending', 'cancelled')).toEqual({ supplier: 'orders:decide', buyer: true });
    for (const [from, to] of [
      ['accepted', 'in_progress'],
      ['accepted', 'cancelled'],
      ['in_progress', 'ready'],
      ['ready', 'shipped'],
      ['shipped', 'delivered'],
      ['delivered', 'completed'],
    ] as const) {
      expect(transitionRule(from, to)).toEqual({ supplier: 'orders:update_status' });
    }
    expect(transitionRule('delivered', 'refunded')).toEqual({ supplier: 'orders:refund' });
    expect(transitionRule('completed', 'refunded')).toEqual({ supplier: 'orders:refund' });
  });

  it('lets the buyer make only the pending → cancelled transition', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const rule = transitionRule(from, to);
        if (rule?.buyer) expect([from, to]).toEqual(['pending', 'cancelled']);
      }
    }
  });

  it('has no self transitions and no way back to pending', () => {
    for (const s of ORDER_STATUSES) {
      expect(transitionRule(s, s)).toBeUndefined();
      expect(transitionRule(s, 'pending')).toBeUndefined();
    }
    expect(transitionRule('pending', 'shipped')).toBeUndefined();
    expect(transitionRule('shipped', 'cancelled')).toBeUndefined();
  });
});

describe('stock effect', () => {
  it('deducts on shipped or completed, releases on cancelled or rejected, only while reserved', () => {
    expect(stockEffect('reserved', 'shipped')).toBe('deduct');
    expect(stockEffect('reserved', 'completed')).toBe('deduct');
    expect(stockEffect('reserved', 'cancelled')).toBe('release');
    expect(stockEffect('reserved', 'rejected')).toBe('release');
    expect(stockEffect('reserved', 'accepted')).toBeNull();
    expect(stockEffect('deducted', 'completed')).toBeNull();
    expect(stockEffect('deducted', 'refunded')).toBeNull();
    expect(stockEffect('released', 'cancelled')).toBeNull();
  });
});

describe('computeTotals', () => {
  it('sums exactly, with no float drift', () => {
    const t = computeTotals([
      { unitPrice: '0.10', quantity: 3 },
      { unitPrice: '15000.00', quantity: 1 },
    ]);
    expect(t).toEqual({
      lineTotals: ['0.3000', '15000.0000'],
      subtotal: '15000.3000',
      taxTotal: '0.0000',
      shippingTotal: '0.0000',
      discountTotal: '0.0000',
      total: '15000.3000',
    });
    expect(
      computeTotals([
        { unitPrice: '0.1', quantity: 1 },
        { unitPrice: '0.2', quantity: 1 },
      ]).total,
    ).toBe('0.3000');
  });

  it('keeps four decimals and large amounts exact', () => {
    expect(computeTotals([{ unitPrice: '0.0001', quantity: 7 }]).subtotal).toBe('0.0007');
    expect(computeTotals([{ unitPrice: '999999999999.9999', quantity: 1000 }]).total).toBe('999999999999999.9000');
  });

  it('applies tax, shipping and discount: total = subtotal − discount + tax + shipping', () => {
    const t = computeTotals([{ unitPrice: '10.00', quantity: 2 }], { tax: '2.40', shipping: '5', discount: '3.50' });
    expect(t).toMatchObject({ subtotal: '20.0000', taxTotal: '2.4000', shippingTotal: '5.0000', discountTotal: '3.5000', total: '23.9000' });
    expect(() => computeTotals([{ unitPrice: '1', quantity: 1 }], { discount: '2' })).toThrow();
  });

  it('rejects quantities that are not whole numbers ≥ 1', () => {
    for (const q of [0, -1, 1.5, Number.NaN]) expect(() => computeTotals([{ unitPrice: '1', quantity: q }])).toThrow();
  });
});

describe('computeTotals: tax and delivery fee', () => {
  /** Seed 002's store settings: ILS, a fee of 30 below 150, free from 150. */
  const mami = { currency: 'ILS', deliveryFee: '30.0000', freeDeliveryThreshold: '150.0000' } as const;

  it('charges the delivery fee below the threshold and none from it (seed 002: 149.99 → 30, 150.00 → 0)', () => {
    expect(computeTotals([{ unitPrice: '149.99', quantity: 1 }], mami)).toMatchObject({ subtotal: '149.9900', shippingTotal: '30.0000', total: '179.9900' });
    expect(computeTotals([{ unitPrice: '150.00', quantity: 1 }], mami)).toMatchObject({ subtotal: '150.0000', shippingTotal: '0.0000', total: '150.0000' });
    expect(computeTotals([{ unitPrice: '75.00', quantity: 2 }], mami).shippingTotal).toBe('0.0000');
    expect(computeTotals([{ unitPrice: '200', quantity: 1 }], mami).shippingTotal).toBe('0.0000');
  });

  it('never charges a fee for pickup, and always charges it without a threshold', () => {
    expect(computeTotals([{ unitPrice: '10', quantity: 1 }], { ...mami, fulfilment: 'pickup' })).toMatchObject({ shippingTotal: '0.0000', total: '10.0000' });
    expect(computeTotals([{ unitPrice: '10', quantity: 1 }], { ...mami, fulfilment: 'delivery' }).shippingTotal).toBe('30.0000');
    expect(computeTotals([{ unitPrice: '9999', quantity: 1 }], { currency: 'ILS', deliveryFee: '30', freeDeliveryThreshold: null }).shippingTotal).toBe(
      '30.0000',
    );
    expect(computeTotals([{ unitPrice: '1', quantity: 1 }], { currency: 'ILS' }).shippingTotal).toBe('0.0000');
  });

  it('compares the threshold with the subtotal after discount', () => {
    const t = computeTotals([{ unitPrice: '160', quantity: 1 }], { ...mami, discount: '20' });
    expect(t).toMatchObject({ discountTotal: '20.0000', shippingTotal: '30.0000', total: '170.0000' });
  });

  it('rounds the tax half-up to the minor unit: 17% of 0.25 = 0.0425 → 0.04, of 0.50 = 0.085 → 0.09', () => {
    expect(computeTotals([{ unitPrice: '0.25', quantity: 1 }], { currency: 'ILS', taxRate: '17' })).toMatchObject({ taxTotal: '0.0400', total: '0.2900' });
    expect(computeTotals([{ unitPrice: '0.50', quantity: 1 }], { currency: 'ILS', taxRate: '17.0000' })).toMatchObject({ taxTotal: '0.0900', total: '0.5900' });
    // 0.1 + 0.2 style inputs stay exact: 17% of 0.30 = 0.051 → 0.05.
    expect(
      computeTotals(
        [
          { unitPrice: '0.10', quantity: 1 },
          { unitPrice: '0.20', quantity: 1 },
        ],
        { currency: 'ILS', taxRate: '17' },
      ).taxTotal,
    ).toBe('0.0500');
    // A fractional rate: 7.25% of 19.99 = 1.449275 → 1.45.
    expect(computeTotals([{ unitPrice: '19.99', quantity: 1 }], { currency: 'USD', taxRate: '7.25' }).taxTotal).toBe('1.4500');
  });

  it('does not tax shipping: total = subtotal − discount + tax + shipping', () => {
    const t = computeTotals([{ unitPrice: '100.00', quantity: 1 }], { ...mami, taxRate: '17' });
    expect(t).toMatchObject({ subtotal: '100.0000', taxTotal: '17.0000', shippingTotal: '30.0000', total: '147.0000' });
    const d = computeTotals([{ unitPrice: '100.00', quantity: 1 }], { ...mami, taxRate: '10', discount: '10' });
    expect(d).toMatchObject({ taxTotal: '9.0000', shippingTotal: '30.0000', total: '129.0000' });
  });

  it('rounds to whole yen for JPY (0 minor digits)', () => {
    expect(computeTotals([{ unitPrice: '105', quantity: 1 }], { currency: 'JPY', taxRate: '10' })).toMatchObject({ taxTotal: '11.0000', total: '116.0000' });
    expect(computeTotals([{ unitPrice: '104', quantity: 1 }], { currency: 'JPY', taxRate: '10' }).taxTotal).toBe('10.0000');
    expect(computeTotals([{ unitPrice: '99', quantity: 1 }], { currency: 'JPY', taxRate: '8' }).taxTotal).toBe('8.0000');
  });

  it('rounds to 2 decimals for KZT (seed 000 currency)', () => {
    // 12% of 1234.56 = 148.1472 → 148.15; 12% of 175000 = 21000.
    expect(computeTotals([{ unitPrice: '1234.56', quantity: 1 }], { currency: 'KZT', taxRate: '12' }).taxTotal).toBe('148.1500');
    expect(
      computeTotals(
        [
          { unitPrice: '15000.00', quantity: 10 },
          { unitPrice: '25000.00', quantity: 1 },
        ],
        { currency: 'KZT', taxRate: '12' },
      ),
    ).toMatchObject({ subtotal: '175000.0000', taxTotal: '21000.0000', total: '196000.0000' });
  });

  it('uses explicit tax and shipping amounts as given (imported orders)', () => {
    const t = computeTotals([{ unitPrice: '10', quantity: 2 }], { ...mami, taxRate: '17', tax: '1.2', shipping: '1.98' });
    expect(t).toMatchObject({ taxTotal: '1.2000', shippingTotal: '1.9800', total: '23.1800' });
  });

  it('refuses negative rates and fees, and a positive rate without a currency', () => {
    expect(() => computeTotals([{ unitPrice: '1', quantity: 1 }], { currency: 'ILS', taxRate: '-1' })).toThrow();
    expect(() => computeTotals([{ unitPrice: '1', quantity: 1 }], { currency: 'ILS', deliveryFee: '-1' })).toThrow();
    expect(() => computeTotals([{ unitPrice: '1', quantity: 1 }], { taxRate: '5' })).toThrow();
    expect(computeTotals([{ unitPrice: '1', quantity: 1 }], { taxRate: '0' }).taxTotal).toBe('0.0000');
  });
});
