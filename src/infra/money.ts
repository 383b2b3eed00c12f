import { Decimal } from 'decimal.js';
import { AppError } from './errors.js';

Decimal.set({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const digitsCache = new Map<string, number>();

/**
 * Minor digits of an ISO 4217 currency (KZT 2, JPY 0, …), from the platform's Intl data. Cached
 * per code: building an `Intl.NumberFormat` costs tens of microseconds, and every amount of every
 * response is formatted through here.
 */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    // Only codes the platform knows are kept, so arbitrary input cannot grow the cache.
    if (isCurrency(currency)) digitsCache.set(currency, digits);
  }
  return digits;
}

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

const PLAIN_AMOUNT = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Formats a stored amount (numeric string or Decimal) with the currency's minor digits, half-up.
 * Stored amounts come as `numeric(19,4)` strings ("15000.0000"): when the digits cut off are all
 * zeros the string is cut directly (exact, and the common case, on every amount of every
 * response); anything else goes through decimal.js.
 */
export function formatMoney(value: string | Decimal, currency: string): string {
  const digits = minorDigits(currency);
  if (typeof value === 'string') {
    const m = PLAIN_AMOUNT.exec(value);
    if (m) {
      const frac = m[2] ?? '';
      if (frac.length <= digits || /^0*$/.test(frac.slice(digits))) {
        return digits === 0 ? m[1] : `${m[1]}.${frac.slice(0, digits).padEnd(digits, '0')}`;
      }
    }
  }
  return new Decimal(value).toFixed(digits, Decimal.ROUND_HALF_UP);
}

export { Decimal };
