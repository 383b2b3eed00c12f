/**
 * The stock operations every module shares, each one or a few conditional statements that keep
 * `0 <= reserved <= on_hand`: an order's reservation, sale and release, a new product's initial
 * stock, the default location, the supplier's location lock. Every change writes a movement.
 */
import type { Ctx, TxCtx } from '../../infra/context.js';
import { conflict } from '../../infra/errors.js';
import { recordStockLowIfCrossed } from './stock.low.js';
import * as repo from './stock.repo.js';
import type { MovementReason } from './stock.tables.js';

/** A quantity of one product (whole units, ≥ 1); `sku`, when the caller knows it, goes into `stock.low` events. */
export interface StockLine {
  productId: string;
  quantity: number;
  sku?: string;
}

/** What the stock operations of an order take: the location, the order, its lines (and the location's supplier when known). */
export interface StockOperationInput {
  locationId: string;
  orderId: string;
  lines: StockLine[];
  supplierId?: string;
}

/** A line of `INSUFFICIENT_STOCK` details: what was asked and what was available, in whole units. */
export interface ShortLine {
  product_id: string;
  requested: number;
  available: number;
}

/**
 * Merges lines of the same product (summing quantities) and sorts them by product id. Every stock
 * operation walks its lines in this one fixed order, so two transactions touching the same stock
 * levels lock them in the same order and never deadlock.
 * @throws Error when a quantity is not a whole number ≥ 1 (a programming error: inputs are
 *   validated before they get here).
 */
export function normalizeStockLines(lines: StockLine[]): StockLine[] {
  const merged = new Map<string, StockLine>();
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1) throw new Error(`stock quantity must be a whole number >= 1, got ${l.quantity}`);
    const seen = merged.get(l.productId);
    const sku = seen?.sku ?? l.sku;
    merged.set(l.productId, { productId: l.productId, quantity: (seen?.quantity ?? 0) + l.quantity, ...(sku !== undefined && { sku }) });
  }
  return [...merged.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/**
 * Reserves stock for an order (placing an order reserves): for each line, in
 * product id order, one atomic `UPDATE stock_levels SET reserved = reserved + q WHERE … AND
 * on_hand - reserved >= q RETURNING`, so stock is never oversold whatever the concurrency (the
 * row lock makes concurrent reservations of one level queue up and re-check the condition). Writes
 * one `reservation` stock movement per line (before/after, order, actor), and a `stock.low` event
 * for each level whose available units fall from above its reorder point to at or below it.
 *
 * Runs in the caller's transaction (`tx`): when a line is short this throws and the caller's
 * rollback undoes the reservations already made, so nothing is written.
 * @throws 409 `INSUFFICIENT_STOCK` with `details.lines: ShortLine[]` listing every short line (a
 *   product without a stock level at the location has 0 available).
 */
export async function reserveStock(tx: TxCtx, input: StockOperationInput): Promise<void> {
  const lines = normalizeStockLines(input.lines);
  const movements: repo.NewMovement[] = [];
  const short: StockLine[] = [];
  const reservedLevels: { line: StockLine; row: repo.LevelAfter }[] = [];
  const actorId = tx.actor?.userId ?? null;
  for (const line of lines) {
    if (short.length > 0) {
      // The request fails anyway: lock nothing more, only report what else is short.
      short.push(line);
      continue;
    }
    const row = await repo.reserveOnLevel(tx.db, line.productId, input.locationId, line.quantity);
    if (!row) {
      // The conditional update is the decision: it matched nothing, so this line is short, whatever a
      // later read says (under READ COMMITTED a release committed meanwhile is visible to the next
      // statement, and deciding again from it would skip the line with nothing reserved).
      short.push(line);
      continue;
    }
    movements.push({
      productId: line.productId,
      locationId: input.locationId,
      reason: 'reservation',
      onHandBefore: row.onHand,
      onHandAfter: row.onHand,
      reservedBefore: row.reserved - line.quantity,
      reservedAfter: row.reserved,
      orderId: input.orderId,
      actorId,
    });
    reservedLevels.push({ line, row });
  }
  if (short.length > 0) {
    throw conflict('INSUFFICIENT_STOCK', `Not enough stock for ${short.length} line(s)`, { lines: await shortLines(tx, input.locationId, short) });
  }
  await repo.recordMovements(tx.db, movements);
  for (const { line, row } of reservedLevels) {
    await recordStockLowIfCrossed(tx, {
      productId: line.productId,
      locationId: input.locationId,
      sku: line.sku,
      supplierId: input.supplierId,
      before: { ...row, reserved: row.reserved - line.quantity },
      after: row,
    });
  }
}

/**
 * The `INSUFFICIENT_STOCK` details of refused lines: the first is short by the conditional update
 * itself and is always reported; the lines after it (never attempted) are reported when the read
 * shows them short too. `available` is read after the refusal, for the message only: when stock
 * was freed in between it can be ≥ `requested` (the line was still refused; a retry may succeed).
 */
async function shortLines(tx: TxCtx, locationId: string, refused: StockLine[]): Promise<ShortLine[]> {
  const available = await repo.availableAt(
    tx.db,
    locationId,
    refused.map((l) => l.productId),
  );
  return refused
    .map((l) => ({
      product_id: l.productId,
      requested: l.quantity,
      available: available.get(l.productId) ?? 0,
    }))
    .filter((l, i) => i === 0 || l.available < l.requested);
}

/**
 * Applies `reserved -= q` (and `on_hand -= q` when `deductOnHand`) to every line, in product id
 * order, each conditional on `reserved >= q`.
 * @throws 409 `STOCK_NOT_RESERVED` when a level does not hold the reservation (data changed
 *   outside the order lifecycle); the caller's transaction rolls back.
 */
async function consumeReservation(tx: TxCtx, input: StockOperationInput, reason: Extract<MovementReason, 'sale' | 'release'>) {
  const lines = normalizeStockLines(input.lines);
  const deductOnHand = reason === 'sale';
  const movements: repo.NewMovement[] = [];
  const actorId = tx.actor?.userId ?? null;
  for (const line of lines) {
    const q = line.quantity;
    const row = await repo.consumeOnLevel(tx.db, line.productId, input.locationId, q, deductOnHand);
    if (!row) {
      throw conflict('STOCK_NOT_RESERVED', `The stock of product ${line.productId} does not hold this order's reservation`, {
        product_id: line.productId,
        quantity: q,
      });
    }
    movements.push({
      productId: line.productId,
      locationId: input.locationId,
      reason,
      onHandBefore: deductOnHand ? row.onHand + q : row.onHand,
      onHandAfter: row.onHand,
      reservedBefore: row.reserved + q,
      reservedAfter: row.reserved,
      orderId: input.orderId,
      actorId,
    });
  }
  await repo.recordMovements(tx.db, movements);
}

/**
 * Deducts an order's reserved stock when it ships or completes:
 * `on_hand -= q, reserved -= q` per line, in product id order, conditional on `reserved >= q`;
 * writes a `sale` movement per line. Runs in the transaction of the status change (`tx`).
 * @throws 409 `STOCK_NOT_RESERVED` when a level does not hold the reservation.
 */
export async function deductStock(tx: TxCtx, input: StockOperationInput): Promise<void> {
  await consumeReservation(tx, input, 'sale');
}

/**
 * Releases an order's reservation when it is cancelled or rejected:
 * `reserved -= q` per line, in product id order, conditional on `reserved >= q`; writes a
 * `release` movement per line. Runs in the transaction of the status change (`tx`).
 * @throws 409 `STOCK_NOT_RESERVED` when a level does not hold the reservation.
 */
export async function releaseStock(tx: TxCtx, input: StockOperationInput): Promise<void> {
  await consumeReservation(tx, input, 'release');
}

/* ---------- default location and initial stock ---------- */

/**
 * The supplier's default stock location (`{id, name}`), created on first use with the name
 * "Main warehouse". Safe under concurrency: creation takes the supplier's location lock (the one
 * the locations API takes) until the caller's transaction ends, and the insert is
 * `ON CONFLICT DO NOTHING` on the partial unique index `stock_locations_one_default_key`, then the
 * row is read back; the location is created in the caller's transaction. No access check: callers
 * have done theirs. One statement when the default exists.
 */
export async function ensureDefaultLocation(tx: TxCtx, supplierId: string): Promise<{ id: string; name: string }> {
  const existing = await repo.findDefaultLocation(tx.db, supplierId);
  if (existing) return existing;
  await repo.lockSupplierLocations(tx.db, supplierId);
  const created = (await repo.findDefaultLocation(tx.db, supplierId)) ?? (await repo.insertDefaultLocation(tx.db, supplierId));
  if (created) return created;
  // A writer that does not take the lock created the default meanwhile, or a location already
  // has the default name without being the default.
  const raced = (await repo.findDefaultLocation(tx.db, supplierId)) ?? (await repo.promoteLocationByName(tx.db, supplierId, repo.DEFAULT_LOCATION_NAME));
  if (!raced) throw new Error(`default stock location of ${supplierId} is missing after insert`);
  return raced;
}

/**
 * Puts a new product's initial stock (`quantity` whole units, ≥ 0) at the supplier's default
 * location and records a movement with reason `initial`. Runs in the transaction that creates the
 * product (`tx`). A quantity of 0 creates the zero level and no movement.
 */
export async function recordInitialStock(tx: TxCtx, input: { productId: string; supplierId: string; quantity: number }): Promise<void> {
  const location = await ensureDefaultLocation(tx, input.supplierId);
  await repo.insertLevel(tx.db, input.productId, location.id, input.quantity);
  if (input.quantity === 0) return;
  await repo.recordMovements(tx.db, [
    {
      productId: input.productId,
      locationId: location.id,
      reason: 'initial',
      onHandBefore: 0,
      onHandAfter: input.quantity,
      reservedBefore: 0,
      reservedAfter: 0,
      actorId: tx.actor?.userId ?? null,
    },
  ]);
}

/* ---------- for other modules (ctx first) ---------- */

/**
 * Serialises the changes of one supplier's stock locations (names, the one default) until the
 * caller's transaction ends: every writer of a supplier's locations takes it first (the locations
 * API, `ensureDefaultLocation`, imports that create locations).
 */
export const lockSupplierLocations = (tx: TxCtx, supplierId: string): Promise<void> => repo.lockSupplierLocations(tx.db, supplierId);

/** The supplier's default location `{id, name}`, if it has one yet (nothing is created). */
export const findDefaultLocation = (ctx: Ctx, supplierId: string): Promise<{ id: string; name: string } | undefined> =>
  repo.findDefaultLocation(ctx.db, supplierId);

/** One stock location of the supplier (any state), or undefined (also for another supplier's). */
export const findLocation = (ctx: Ctx, supplierId: string, locationId: string): Promise<repo.LocationRow | undefined> =>
  repo.findLocation(ctx.db, supplierId, locationId);

/** Units available (`on_hand - reserved`, 0 without a level) of each product at one location, one query. */
export const availableAt = (ctx: Ctx, locationId: string, productIds: string[]): Promise<Map<string, number>> =>
  repo.availableAt(ctx.db, locationId, productIds);

/** Records stock movements (who, why, before and after) in one statement. Runs in the transaction of the change they record. */
export const recordMovements = (tx: TxCtx, rows: repo.NewMovement[]): Promise<void> => repo.recordMovements(tx.db, rows);

/** An order's stock movements (reservation, sale, release), oldest first, one query. No access check. */
export const listOrderMovements = (ctx: Ctx, orderId: string): Promise<repo.MovementRow[]> => repo.listOrderMovements(ctx.db, orderId);
