/**
 * The one parser of `?sort=`: comma separated keys among an allow-list, each optionally prefixed
 * with `-` for descending; several keys apply in order, a repeated key counts once.
 */
import { unprocessable } from './errors.js';

/** One ORDER BY term of a list: the key and its direction. */
export interface SortTerm<K extends string = string> {
  key: K;
  desc: boolean;
}

/**
 * Parses `?sort=` against `allowed` (the list's sort keys, in the order the error message names
 * them). A missing or blank `sort` gives `fallback` (which may use keys a client cannot ask for,
 * such as full-text relevance); callers add their own tie-breaker.
 * @returns the terms in the order given, each key once (its first occurrence).
 * @throws 422 `querystring/sort` for an unknown, empty or not allowed key.
 */
export function parseSort<K extends string, D extends string = K>(
  sort: string | undefined,
  allowed: readonly K[],
  fallback: readonly SortTerm<D>[],
): SortTerm<K | D>[] {
  if (sort === undefined || sort.trim() === '') return [...fallback];
  const terms: SortTerm<K>[] = [];
  for (const raw of sort.split(',')) {
    const part = raw.trim();
    const desc = part.startsWith('-');
    const key = desc ? part.slice(1) : part;
    if (!(allowed as readonly string[]).includes(key)) {
      throw unprocessable([{ path: 'querystring/sort', message: `unknown sort key "${part}"; allowed: ${allowed.join(', ')} (prefix - for descending)` }]);
    }
    if (!terms.some((t) => t.key === key)) terms.push({ key: key as K, desc });
  }
  return terms;
}
