/** LIKE patterns built from user text: the one escaping rule. */

/**
 * `%text%` for `LIKE`/`ILIKE` ("contains"), with the user's `\`, `%` and `_` taken literally
 * (escaped with `\`, PostgreSQL's default escape character). Send it as a bound parameter.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
