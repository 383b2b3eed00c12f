/**
 * Time-range filters of lists (`from`/`to`, `created_from`/`created_to`): one rule everywhere.
 */
import { unprocessable, type FieldError } from './errors.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** True when y-m-d is a real calendar day (2024-02-30 is not). */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * One bound: a date (`YYYY-MM-DD`, UTC) or an ISO 8601 date-time (UTC when it has no offset). A
 * date as an upper bound means "that whole day": the next day's start, exclusive. Returns
 * undefined and records a field error at `path` when invalid.
 */
function parseBound(value: string, path: string, upper: boolean, errors: FieldError[]): { at: Date; exclusive: boolean } | undefined {
  const bad = () => {
    errors.push({ path, message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time' });
    return undefined;
  };
  const d = DATE_ONLY.exec(value);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    if (!isCalendarDay(y, m, day)) return bad();
    return upper ? { at: new Date(Date.UTC(y, m - 1, day + 1)), exclusive: true } : { at: new Date(Date.UTC(y, m - 1, day)), exclusive: false };
  }
  const t = DATE_TIME.exec(value);
  if (!t) return bad();
  const [y, m, day, hh, mm, ss] = [Number(t[1]), Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5]), Number(t[6] ?? 0)];
  if (!isCalendarDay(y, m, day) || hh > 23 || mm > 59 || ss > 59) return bad();
  const at = new Date(t[7] ? value : `${value}Z`);
  if (Number.isNaN(at.getTime())) return bad();
  return { at, exclusive: false };
}

/** A parsed range: `from ≤ t` and `t ≤ to` (`t < to` when `toExclusive`, for a date-only `to`). */
export interface TimeRange {
  from?: Date;
  to?: Date;
  toExclusive?: boolean;
}

/**
 * Parses a list's time range. Both bounds are inclusive; a date-only upper bound covers that whole
 * UTC day (docs/conventions.md: times are UTC).
 * @param paths where each bound came from, e.g. `{ from: 'querystring/from', to: 'querystring/to' }`.
 * @throws 422 listing every bad bound (an impossible date such as 30 February, a malformed
 *   date-time), or `from` after `to`.
 */
export function parseTimeRange(from: string | undefined, to: string | undefined, paths: { from: string; to: string }): TimeRange {
  const errors: FieldError[] = [];
  const lo = from !== undefined ? parseBound(from, paths.from, false, errors) : undefined;
  const hi = to !== undefined ? parseBound(to, paths.to, true, errors) : undefined;
  if (lo && hi && (hi.exclusive ? lo.at >= hi.at : lo.at > hi.at)) {
    errors.push({ path: paths.from, message: `must not be after ${paths.to.split('/').pop()}` });
  }
  if (errors.length > 0) throw unprocessable(errors);
  return { from: lo?.at, to: hi?.at, toExclusive: hi?.exclusive };
}
