/**
 * Prepared queries for hot paths. Drizzle builds a query's SQL text on every call, which costs
 * more CPU than anything else Agora adds to a read (measured in bench/); a prepared query builds it
 * once. On PostgreSQL it is also a named statement, so the server parses and plans it once per
 * connection instead of once per request.
 *
 * A prepared query belongs to one `Db`: on the root database (the pool, or PGlite) it is built once
 * and kept; inside a transaction it is built for that transaction each time (the statement name
 * still lets PostgreSQL reuse its plan on that connection).
 */
// Generic over the handle (always a `Db` of client.ts in practice), so that this file imports
// nothing from client.ts, which imports it.
const roots = new WeakMap<object, Map<string, unknown>>();

/** Prepared queries kept per database at most; beyond it queries are built per call (never unbounded). */
export const MAX_PREPARED = 500;

/** Marks `db` as a root database whose prepared queries are kept (called by `openDatabase`). */
export function registerRootDb(db: object): void {
  roots.set(db, new Map());
}

/**
 * The query `name` prepared on `db`: built by `build(db, name)` once per root database, or afresh
 * inside a transaction. `name` must be unique per distinct SQL text (it becomes the PostgreSQL
 * statement name).
 */
export function prepared<D extends object, Q>(db: D, name: string, build: (db: D, name: string) => Q): Q {
  const cache = roots.get(db);
  if (!cache) return build(db, name);
  let q = cache.get(name) as Q | undefined;
  if (q === undefined) {
    q = build(db, name);
    if (cache.size < MAX_PREPARED) cache.set(name, q);
  }
  return q;
}
