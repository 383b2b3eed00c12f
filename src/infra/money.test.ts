import { describe, expect, it } from 'vitest';
import type { AppError } from './errors.js';
import { Decimal, formatMoney, minorDigits, parseMoney } from './money.js';

describe('formatMoney', () => {
  it("formats stored numeric(19,4) strings with the currency's minor digits, half-up", () => {
    expect(formatMoney('15000.0000', 'KZT')).toBe('15000.00');
    expect(formatMoney('12.9050', 'ILS')).toBe('12.91');
    expect(formatMoney('12.9949', 'ILS')).toBe('12.99');
    expect(formatMoney('105.5000', 'JPY')).toBe('106');
    expect(formatMoney('0.0050', 'KWD')).toBe('0.005');
    expect(formatMoney('7', 'USD')).toBe('7.00');
  });

  it('gives exactly what decimal.js gives, for many random amounts and currencies (fast path included)', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const currency = ['USD', 'JPY', 'KWD', 'ILS'][next() % 4];
      const whole = String(next() % 1_000_000);
      const frac = String(next() % 10_000).padStart(4, '0');
      const value = next() % 3 === 0 ? `${whole}.${frac.slice(0, 2)}00` : `${whole}.${frac}`;
      expect(formatMoney(value, currency)).toBe(new Decimal(value).toFixed(minorDigits(currency), Decimal.ROUND_HALF_UP));
    }
  });

  it('falls back to decimal.js for anything that is not a plain non-negative decimal', () => {
    expect(formatMoney('-1.5000', 'USD')).toBe('-1.50');
    expect(formatMoney('00012.3400', 'USD')).toBe('12.34');
    expect(formatMoney(new Decimal('2.345'), 'USD')).toBe('2.35');
  });
});

describe('parseMoney', () => {
  const refusal = (value: string, currency: string) => {
    try {
      parseMoney(value, currency, 'body/price');
    } catch (err) {
      const e = err as AppError;
      return { status: e.status, errors: e.extra.errors };
    }
    throw new Error(`${value} ${currency} was accepted`);
  };

  it('refuses more decimals than the currency has, negatives and non-numbers with 422', () => {
    expect(refusal('1.234', 'USD')).toEqual({ status: 422, errors: [{ path: 'body/price', message: 'must have at most 2 decimals for USD' }] });
    expect(refusal('1.5', 'JPY')).toEqual({ status: 422, errors: [{ path: 'body/price', message: 'must have at most 0 decimals for JPY' }] });
    expect(refusal('-1', 'USD').errors).toEqual([{ path: 'body/price', message: 'must be 0 or more' }]);
    expect(refusal('abc', 'USD').errors).toEqual([{ path: 'body/price', message: 'must be a decimal amount' }]);
    expect(parseMoney(12.9, 'ILS', 'body/price').toFixed()).toBe('12.9');
  });
});
