import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { prepared } from '../../infra/db/prepared.js';
import { stockLevels, stockLocations, stockMovements } from './stock.tables.js';

export type LocationRow = typeof stockLocations.$inferSelect;
export type MovementRow = typeof stockMovements.$inferSelect;
export type NewMovement = typeof stockMovements.$inferInsert;

/** The name given to the default location created on first use. */
export const DEFAULT_LOCATION_NAME = 'Main warehouse';

/* ---------- locations ---------- */

/**
 * Serialises the changes of one supplier's locations (default flag, names) until the transaction
 * ends: a transaction-scoped advisory lock keyed by the supplier. Outside a transaction it is
 * released at once (harmless).
 */
export const lockSupplierLocations = async (db: Db, supplierId: string) =>
  void (await db.execute(sql`select pg_advisory_xact_lock(7263101, hashtext(${supplierId}))`));

/** The supplier's default location, if it exists. */
export const findDefaultLocation = async (db: Db, supplierId: string) =>
  (
    await db
      .select({ id: stockLocations.id, name: stockLocations.name })
      .from(stockLocations)
      .where(and(eq(stockLocations.supplierId, supplierId), eq(stockLocations.isDefault, true)))
  )[0] as { id: string; name: string } | undefined;

/**
 * Inserts the supplier's default location unless a default exists, or the name is taken (any
 * unique index: `stock_locations_one_default_key` arbitrates concurrent first uses). Returns the
 * row when this call created it.
 */
export const insertDefaultLocation = async (db: Db, supplierId: string) =>
  (
    await db
      .insert(stockLocations)
      .values({ supplierId, name: DEFAULT_LOCATION_NAME, isDefault: true })
      .onConflictDoNothing()
      .returning({ id: stockLocations.id, name: stockLocations.name })
  )[0] as { id: string; name: string } | undefined;

/**
 * Makes the supplier's active location named `name` (case-insensitively) the default, when the
 * supplier has no default. @returns it, or undefined.
 */
export const promoteLocationByName = async (db: Db, supplierId: string, name: string) =>
  (
    await db
      .update(stockLocations)
      .set({ isDefault: true, updatedAt: new Date() })
      .where(and(eq(stockLocations.supplierId, supplierId), sql`lower(${stockLocations.name}) = lower(${name})`, eq(stockLocations.isActive, true)))
      .returning({ id: stockLocations.id, name: stockLocations.name })
  )[0] as { id: string; name: string } | undefined;

/** The supplier of a location (undefined when there is no such location). */
export const findLocationSupplier = async (db: Db, locationId: string): Promise<string | undefined> =>
  (await db.select({ supplierId: stockLocations.supplierId }).from(stockLocations).where(eq(stockLocations.id, locationId)))[0]?.supplierId;

/** One location of one supplier (undefined for another supplier's). */
export const findLocation = async (db: Db, supplierId: string, locationId: string): Promise<LocationRow | undefined> =>
  (
    await db
      .select()
      .from(stockLocations)
      .where(and(eq(stockLocations.id, locationId), eq(stockLocations.supplierId, supplierId)))
  )[0];

/* ---------- levels ---------- */

const levelOf = (productId: string, locationId: string) => and(eq(stockLevels.productId, productId), eq(stockLevels.locationId, locationId));

/** Inserts a level row with `onHand` units (a new product's initial stock). */
export const insertLevel = (db: Db, productId: string, locationId: string, onHand: number) => db.insert(stockLevels).values({ productId, locationId, onHand });

/** On-hand and reserved units, and the reorder point, of a level after a conditional update. */
export interface LevelAfter {
  onHand: number;
  reserved: number;
  reorderPoint: number;
}

/**
 * `reserved += quantity` on (product, location) in one conditional statement, only where
 * `on_hand - reserved >= quantity`. The row lock makes concurrent reservations of one level queue
 * and re-check the condition.
 * @returns the level after, or undefined when short (or no level).
 */
export const reserveOnLevel = async (db: Db, productId: string, locationId: string, quantity: number): Promise<LevelAfter | undefined> =>
  (
    await db
      .update(stockLevels)
      .set({ reserved: sql`${stockLevels.reserved} + ${quantity}`, updatedAt: sql`now()` })
      .where(and(levelOf(productId, locationId), sql`${stockLevels.onHand} - ${stockLevels.reserved} >= ${quantity}`))
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved, reorderPoint: stockLevels.reorderPoint })
  )[0];

/**
 * `reserved -= quantity` (and `on_hand -= quantity` with `deductOnHand`) on (product, location)
 * in one conditional statement, only where `reserved >= quantity`.
 * @returns the level after, or undefined when the level does not hold that reservation.
 */
export const consumeOnLevel = async (db: Db, productId: string, locationId: string, quantity: number, deductOnHand: boolean): Promise<LevelAfter | undefined> =>
  (
    await db
      .update(stockLevels)
      .set({
        reserved: sql`${stockLevels.reserved} - ${quantity}`,
        ...(deductOnHand ? { onHand: sql`${stockLevels.onHand} - ${quantity}` } : {}),
        updatedAt: sql`now()`,
      })
      .where(and(levelOf(productId, locationId), sql`${stockLevels.reserved} >= ${quantity}`))
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved, reorderPoint: stockLevels.reorderPoint })
  )[0];

/** Units available (`on_hand - reserved`, 0 without a level) of each product at one location, one query. */
export async function availableAt(db: Db, locationId: string, productIds: string[]): Promise<Map<string, number>> {
  if (productIds.length === 0) return new Map();
  const rows = await db
    .select({ productId: stockLevels.productId, available: sql<number>`(${stockLevels.onHand} - ${stockLevels.reserved})::int`.mapWith(Number) })
    .from(stockLevels)
    .where(and(eq(stockLevels.locationId, locationId), inArray(stockLevels.productId, productIds)));
  return new Map(rows.map((r) => [r.productId, Math.max(0, r.available)]));
}

/* ---------- movements ---------- */

/** Records stock movements in one statement (nothing for an empty list). */
export async function recordMovements(db: Db, rows: NewMovement[]): Promise<void> {
  if (rows.length > 0) await db.insert(stockMovements).values(rows);
}

/** An order's stock movements (reservation, sale, release), oldest first. One query. */
export const listOrderMovements = (db: Db, orderId: string): Promise<MovementRow[]> =>
  prepared(db, 'inventory_movements_by_order', (d, name) =>
    d
      .select()
      .from(stockMovements)
      .where(eq(stockMovements.orderId, sql.placeholder('id')))
      .orderBy(asc(stockMovements.createdAt), asc(stockMovements.id))
      .prepare(name),
  ).execute({ id: orderId });
