/**
 * Text rules shared by every module: the one definition of a name field.
 */
import { unprocessable } from './errors.js';

/**
 * A name as stored: trimmed, never blank. Every name field (products, categories, organizations,
 * users' full names, customers, locations, sales channels) goes through this one rule, so `"   "`
 * is refused the same way everywhere instead of being stored as "".
 * @param name the value as sent (the schema has already checked its type and length).
 * @param path the 422 path of the field, e.g. `body/name` or `body/full_name`.
 * @returns the trimmed name.
 * @throws 422 `VALIDATION_FAILED` with `{path, message: 'must not be blank'}` when nothing but white space is left.
 */
export function trimmedName(name: string, path = 'body/name'): string {
  const n = name.trim();
  if (!n) throw unprocessable([{ path, message: 'must not be blank' }]);
  return n;
}
