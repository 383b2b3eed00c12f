import { Decimal } from 'decimal.js';
import { AppError } from './errors.js';

Decimal.set({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

/** Minor digits of an ISO 4217 currency (KZT 2, JPY 0, …), from the platform's Intl data. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** True when `currency` is an ISO 4217 code the platform's ICU data knows (`XYZ` is not). */
export function isCurrency(currency: string): boolean {
  return KNOWN_CURRENCIES.has(currency);
}

/**
 * Parses an input amount (string or number) exactly.
 * @throws 422 naming `path` when it is not a finite decimal, is negative (unless allowed), or has
 *   more decimals than the currency allows.
 */
export function parseMoney(value: string | number, currency: string, path: string, opts: { allowNegative?: boolean } = {}): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(typeof value === 'number' ? value.toString() : value.trim());
  } catch {
    throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', { errors: [{ path, message: 'must be a decimal amount' }] });
  }
  if (!d.isFinite()) throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', { errors: [{ path, message: 'must be a decimal amount' }] });
  if (!opts.allowNegative && d.isNegative()) {
    throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', { errors: [{ path, message: 'must be 0 or more' }] });
  }
  if (d.decimalPlaces() > minorDigits(currency)) {
    throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', {
      errors: [{ path, message: `must have at most ${minorDigits(currency)} decimals for ${currency}` }],
    });
  }
  if (d.abs().greaterThanOrEqualTo('1e15')) {
    throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', { errors: [{ path, message: 'is too large' }] });
  }
  return d;
}

/** Formats a stored amount (numeric string or Decimal) with the currency's minor digits, half-up. */
export function formatMoney(value: string | Decimal, currency: string): string {
  return new Decimal(value).toFixed(minorDigits(currency), Decimal.ROUND_HALF_UP);
}

export { Decimal };
