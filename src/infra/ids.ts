/**
 * The one definition of what an id looks like: every id of the API is a UUID (v7 when Agora makes
 * it, `infra/db/columns.ts`), written in its canonical text form.
 */

/** A UUID in canonical text form (8-4-4-4-12 hex digits), any version, any case. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID in canonical text form (`UUID_RE`). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
