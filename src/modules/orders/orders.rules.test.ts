import { describe, expect, it } from 'vitest';
import { computeTotals, ORDER_TRANSITIONS, stockEffect, transitionRule } from './orders.rules.js';
import { ORDER_STATUSES, type OrderStatus } from './orders.tables.js';

describe('order transition table', () => {
  const allowed = (from: OrderStatus) => Object.keys(ORDER_TRANSITIONS[from]).sort();

  it('matches DESIGN.md section 6 exactly', () => {
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
    for (const [from, to] of [['accepted', 'in_progress'], ['accepted', 'cancelled'], ['in_progress', 'ready'], ['ready', 'shipped'], ['shipped', 'delivered'], ['delivered', 'completed']] as const) {
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
    const t = computeTotals([{ unitPrice: '0.10', quantity: 3 }, { unitPrice: '15000.00', quantity: 1 }]);
    expect(t).toEqual({ lineTotals: ['0.3000', '15000.0000'], subtotal: '15000.3000', taxTotal: '0.0000', shippingTotal: '0.0000', discountTotal: '0.0000', total: '15000.3000' });
    expect(computeTotals([{ unitPrice: '0.1', quantity: 1 }, { unitPrice: '0.2', quantity: 1 }]).total).toBe('0.3000');
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
