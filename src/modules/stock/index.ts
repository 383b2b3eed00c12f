/**
 * Stock: the stock tables (locations, levels, movements) and the operations on them that other
 * modules share. No routes: the HTTP side of stock (locations API, adjustments, transfers,
 * history) is the inventory module, above catalog; this module sits below catalog.
 *
 * Every function takes `ctx` first; those that must run inside the caller's transaction take a
 * `TxCtx` (made only by `inTransaction`).
 */
export { stockLevels, stockLocations, stockMovements, LOCATION_KINDS, MOVEMENT_REASONS, type LocationKind, type MovementReason } from './stock.tables.js';
export type { LocationRow, MovementRow, NewMovement } from './stock.repo.js';
/**
 * The order lifecycle's stock operations, in the caller's transaction: `reserveStock(tx, {locationId,
 * orderId, lines})` (409 `INSUFFICIENT_STOCK` with every short line), `deductStock(tx, …)` when the
 * order ships or completes, `releaseStock(tx, …)` when it is cancelled or rejected (409
 * `STOCK_NOT_RESERVED`). `normalizeStockLines(lines)`: lines merged by product in the one lock order.
 */
export { deductStock, normalizeStockLines, releaseStock, reserveStock, type ShortLine, type StockLine } from './stock.service.js';
/**
 * `ensureDefaultLocation(tx, supplierId)`: the supplier's default location, created on first use;
 * `recordInitialStock(tx, {productId, supplierId, quantity})`: a new product's stock at the default
 * location with an `initial` movement; `lockSupplierLocations(tx, supplierId)`: the lock every writer
 * of a supplier's locations takes first.
 */
export { ensureDefaultLocation, lockSupplierLocations, recordInitialStock } from './stock.service.js';
/**
 * Reads and writes, ctx first: `findLocation(ctx, supplierId, id)`, `findDefaultLocation(ctx,
 * supplierId)`, `availableAt(ctx, locationId, productIds)`, `listOrderMovements(ctx, orderId)`,
 * `recordMovements(tx, rows)`.
 */
export { availableAt, findDefaultLocation, findLocation, listOrderMovements, recordMovements } from './stock.service.js';
/**
 * The `stock.low` event (docs/events.md): `recordStockLowIfCrossed(tx, {productId, locationId, sku?,
 * supplierId?, before, after})` records it when `available` goes from above the reorder point to at
 * or below it; `crossesReorderPoint(before, after)` is that test alone.
 */
export { crossesReorderPoint, recordStockLowIfCrossed, type LevelFigures } from './stock.low.js';
