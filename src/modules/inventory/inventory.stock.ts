import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../infra/context.js';
import { conflict } from '../../infra/errors.js';
import { stockLevels, stockMovements, type MovementReason } from './inventory.tables.js';

/** A quantity of one product (whole units, ≥ 1). */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** What the stock operations of an order take: the location, the order, its lines. */
export interface StockOperationInput {
  locationId: string;
  orderId: string;
  lines: StockLine[];
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
  const merged = new Map<string, number>();
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1) throw new Error(`stock quantity must be a whole number >= 1, got ${l.quantity}`);
    merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  }
  return [...merged.entries()]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

type MovementRow = typeof stockMovements.$inferInsert;

const levelOf = (productId: string, locationId: string) => and(eq(stockLevels.productId, productId), eq(stockLevels.locationId, locationId));

async function insertMovements(ctx: Ctx, rows: MovementRow[]) {
  if (rows.length > 0) await ctx.db.insert(stockMovements).values(rows);
}

/**
 * Reserves stock for an order (DESIGN.md section 6: placing an order reserves): for each line, in
 * product id order, one atomic `UPDATE stock_levels SET reserved = reserved + q WHERE … AND
 * on_hand - reserved >= q RETURNING`, so stock is never oversold whatever the concurrency (the
 * row lock makes concurrent reservations of one level queue up and re-check the condition). Writes
 * one `reservation` stock movement per line (before/after, order, actor).
 *
 * `ctx.db` must be the caller's open transaction: when a line is short this throws and the caller's
 * rollback undoes the reservations already made, so nothing is written.
 * @throws 409 `INSUFFICIENT_STOCK` with `details.lines: ShortLine[]` listing every short line (a
 *   product without a stock level at the location has 0 available).
 */
export async function reserveStock(ctx: Ctx, input: StockOperationInput): Promise<void> {
  const lines = normalizeStockLines(input.lines);
  const movements: MovementRow[] = [];
  const short: StockLine[] = [];
  const actorId = ctx.actor?.userId ?? null;
  for (const line of lines) {
    if (short.length > 0) {
      // The request fails anyway: lock nothing more, only report what else is short.
      short.push(line);
      continue;
    }
    const [row] = await ctx.db
      .update(stockLevels)
      .set({ reserved: sql`${stockLevels.reserved} + ${line.quantity}`, updatedAt: sql`now()` })
      .where(and(levelOf(line.productId, input.locationId), sql`${stockLevels.onHand} - ${stockLevels.reserved} >= ${line.quantity}`))
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved });
    if (!row) {
      // The conditional update is the decision: it matched nothing, so this line is short, whatever a
      // later read says (under READ COMMITTED a release committed meanwhile is visible to the next
      // statement, and deciding again from it would skip the line with nothing reserved).
      short.push(line);
      continue;
    }
    movements.push({
      productId: line.productId, locationId: input.locationId, reason: 'reservation',
      onHandBefore: row.onHand, onHandAfter: row.onHand,
      reservedBefore: row.reserved - line.quantity, reservedAfter: row.reserved,
      orderId: input.orderId, actorId,
    });
  }
  if (short.length > 0) {
    throw conflict('INSUFFICIENT_STOCK', `Not enough stock for ${short.length} line(s)`, { lines: await shortLines(ctx, input.locationId, short) });
  }
  await insertMovements(ctx, movements);
}

/**
 * The `INSUFFICIENT_STOCK` details of refused lines: the first is short by the conditional update
 * itself and is always reported; the lines after it (never attempted) are reported when the read
 * shows them short too. `available` is read after the refusal, for the message only: when stock
 * was freed in between it can be ≥ `requested` (the line was still refused; a retry may succeed).
 */
async function shortLines(ctx: Ctx, locationId: string, refused: StockLine[]): Promise<ShortLine[]> {
  const rows = await ctx.db
    .select({ productId: stockLevels.productId, available: sql<number>`(${stockLevels.onHand} - ${stockLevels.reserved})::int` })
    .from(stockLevels)
    .where(and(eq(stockLevels.locationId, locationId), inArray(stockLevels.productId, refused.map((l) => l.productId))));
  const available = new Map(rows.map((r) => [r.productId, Math.max(0, Number(r.available))]));
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
async function consumeReservation(ctx: Ctx, input: StockOperationInput, reason: Extract<MovementReason, 'sale' | 'release'>) {
  const lines = normalizeStockLines(input.lines);
  const deductOnHand = reason === 'sale';
  const movements: MovementRow[] = [];
  const actorId = ctx.actor?.userId ?? null;
  for (const line of lines) {
    const q = line.quantity;
    const [row] = await ctx.db
      .update(stockLevels)
      .set({
        reserved: sql`${stockLevels.reserved} - ${q}`,
        ...(deductOnHand ? { onHand: sql`${stockLevels.onHand} - ${q}` } : {}),
        updatedAt: sql`now()`,
      })
      .where(and(levelOf(line.productId, input.locationId), sql`${stockLevels.reserved} >= ${q}`))
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved });
    if (!row) {
      throw conflict('STOCK_NOT_RESERVED', `The stock of product ${line.productId} does not hold this order's reservation`, {
        product_id: line.productId, quantity: q,
      });
    }
    movements.push({
      productId: line.productId, locationId: input.locationId, reason,
      onHandBefore: deductOnHand ? row.onHand + q : row.onHand, onHandAfter: row.onHand,
      reservedBefore: row.reserved + q, reservedAfter: row.reserved,
      orderId: input.orderId, actorId,
    });
  }
  await insertMovements(ctx, movements);
}

/**
 * Deducts an order's reserved stock when it ships or completes (DESIGN.md section 6):
 * `on_hand -= q, reserved -= q` per line, in product id order, conditional on `reserved >= q`;
 * writes a `sale` movement per line. `ctx.db` must be the open transaction of the status change.
 * @throws 409 `STOCK_NOT_RESERVED` when a level does not hold the reservation.
 */
export async function deductStock(ctx: Ctx, input: StockOperationInput): Promise<void> {
  await consumeReservation(ctx, input, 'sale');
}

/**
 * Releases an order's reservation when it is cancelled or rejected (DESIGN.md section 6):
 * `reserved -= q` per line, in product id order, conditional on `reserved >= q`; writes a
 * `release` movement per line. `ctx.db` must be the open transaction of the status change.
 * @throws 409 `STOCK_NOT_RESERVED` when a level does not hold the reservation.
 */
export async function releaseStock(ctx: Ctx, input: StockOperationInput): Promise<void> {
  await consumeReservation(ctx, input, 'release');
}
