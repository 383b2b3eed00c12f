/**
 * The query rules every product list shares (staff list and buyer catalog): the text, category,
 * price, stock and location filters, and the sort keys.
 */
import { unprocessable } from '../../infra/errors.js';
import { Decimal } from '../../infra/money.js';
import { parseSort } from '../../infra/sort.js';
import * as repo from './catalog.products.repo.js';

/** Sort keys of the staff list; the catalog takes the same but `cost_price` (buyers never see it). */
export const STAFF_SORT_KEYS: readonly repo.SortKey[] = ['name', 'price', 'cost_price', 'created_at', 'sku'];
/** Sort keys of the buyer catalog: no `cost_price` (422). */
export const CATALOG_SORT_KEYS: readonly repo.SortKey[] = ['name', 'price', 'created_at', 'sku'];

/**
 * Parses a product list's `?sort=` among `allowed` (`parseSort`). Without `sort`: by relevance
 * (`ts_rank_cd` descending) when searching, else `-created_at`; the id always breaks ties.
 * @throws 422 `querystring/sort` for an unknown, empty or not allowed key (`cost_price` in the catalog).
 */
export function productSort(sort: string | undefined, allowed: readonly repo.SortKey[], searching: boolean): repo.SortTerm[] {
  return parseSort(sort, allowed, [searching ? { key: 'rank', desc: true } : { key: 'created_at', desc: true }]);
}

/**
 * The product filter of a list query (staff or catalog): `q` becomes a prefix tsquery (blank is
 * no filter; text without a letter or digit matches nothing), prices are checked exactly.
 * @throws 422 `querystring/min_price` when min_price > max_price (compared as decimals).
 */
export function productFilter(q: {
  q?: string;
  category_id?: string;
  min_price?: string;
  max_price?: string;
  in_stock?: boolean;
  location_id?: string;
}): repo.ProductFilter {
  const text = q.q?.trim();
  if (q.min_price !== undefined && q.max_price !== undefined && new Decimal(q.min_price).greaterThan(q.max_price)) {
    throw unprocessable([{ path: 'querystring/min_price', message: 'must not be more than max_price' }]);
  }
  return {
    search: text ? repo.prefixQuery(text) : undefined,
    categoryId: q.category_id,
    minPrice: q.min_price,
    maxPrice: q.max_price,
    inStock: q.in_stock,
    locationId: q.location_id,
  };
}
