/**
 * PostgreSQL errors as the application sees them: the driver's error, possibly wrapped by Drizzle
 * (as `cause`). The one place that knows SQLSTATE codes; services ask `isUniqueViolation` or
 * `isForeignKeyViolation` to map a clash to their own 409 or 422.
 */

/** The fields of a PostgreSQL error the application reads. */
export interface PgError {
  /** The SQLSTATE, five digits or upper-case letters (`23505`). */
  code: string;
  /** The constraint or index that refused the statement, when the driver reports it. */
  constraint?: string;
  detail?: string;
}

const SQLSTATE_RE = /^[0-9A-Z]{5}$/;

/** The first error of `err`'s `cause` chain that carries a SQLSTATE, or undefined. */
export function pgErrorOf(err: unknown): PgError | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && SQLSTATE_RE.test(e.code)) return e as PgError;
  }
  return undefined;
}

/** True when `err` is a `code` violation of `constraint` (of any constraint when not given, or when the driver names none). */
function violates(err: unknown, code: string, constraint: string | undefined): boolean {
  const e = pgErrorOf(err);
  return e?.code === code && (constraint === undefined || e.constraint === undefined || e.constraint === constraint);
}

/**
 * True when `err` is a unique violation (`23505`) of `constraint` (a unique index or constraint
 * name); without `constraint`, of any.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return violates(err, '23505', constraint);
}

/** True when `err` is a foreign-key violation (`23503`) of `constraint`; without `constraint`, of any. */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  return violates(err, '23503', constraint);
}
