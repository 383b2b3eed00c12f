import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../infra/db/client.js';
import { stockLevels, stockLocations, stockMovements } from './inventory.tables.js';

export type LocationRow = typeof stockLocations.$inferSelect;
export type MovementRow = typeof stockMovements.$inferSelect;

/** The name given to the default location created on first use. */
export const DEFAULT_LOCATION_NAME = 'Main warehouse';

/** The supplier's default location, if it exists. */
export const findDefaultLocation = async (db: Db, supplierId: string) =>
  (
    await db
      .select({ id: stockLocations.id, name: stockLocations.name })
      .from(stockLocations)
      .where(and(eq(stockLocations.supplierId, supplierId), eq(stockLocations.isDefault, true)))
  )[0] as { id: string; name: string } | undefined;

/**
 * Inserts the supplier's default location unless one exists (the partial unique index
 * `stock_locations_one_default_key` arbitrates concurrent first uses). Returns the row when this
 * call created it.
 */
export const insertDefaultLocation = async (db: Db, supplierId: string) =>
  (
    await db
      .insert(stockLocations)
      .values({ supplierId, name: DEFAULT_LOCATION_NAME, isDefault: true })
      .onConflictDoNothing({ target: stockLocations.supplierId, where: sql`${stockLocations.isDefault}` })
      .returning({ id: stockLocations.id, name: stockLocations.name })
  )[0] as { id: string; name: string } | undefined;

/** One location of one supplier. */
export const findLocation = async (db: Db, supplierId: string, locationId: string) =>
  (await db.select().from(stockLocations).where(and(eq(stockLocations.id, locationId), eq(stockLocations.supplierId, supplierId))))[0];

/** Creates the level row of (product, location) with zero stock unless it exists. */
export const ensureLevel = (db: Db, productId: string, locationId: string) =>
  db.insert(stockLevels).values({ productId, locationId }).onConflictDoNothing();

/** Inserts a level row with `onHand` units (a new product's initial stock). */
export const insertLevel = (db: Db, productId: string, locationId: string, onHand: number) =>
  db.insert(stockLevels).values({ productId, locationId, onHand });

/** The result of a conditional stock update: before and after, or nothing when the rule refused it. */
export interface LevelChange {
  onHandBefore: number;
  onHandAfter: number;
  reserved: number;
}

/**
 * Sets `on_hand` (mode `set`) or adds `delta` to it (mode `delta`) in one statement, only where the
 * result stays ≥ 0 and ≥ `reserved`. The row is locked by the inner `FOR UPDATE`, so the "before"
 * values are the ones the update replaced, whatever the concurrency.
 * @returns the change, or undefined when no row matched (missing level, or the rule refused).
 */
export async function updateOnHand(
  db: Db,
  productId: string,
  locationId: string,
  change: { onHand: number } | { delta: number },
): Promise<LevelChange | undefined> {
  const next = 'onHand' in change ? sql`${change.onHand}::int` : sql`(old.on_hand + ${change.delta}::int)`;
  const rows = await queryRows<{ on_hand_before: number; on_hand_after: number; reserved: number }>(db, sql`
    update stock_levels sl
       set on_hand = ${next}, updated_at = now()
      from (select product_id, location_id, on_hand
              from stock_levels
             where product_id = ${productId} and location_id = ${locationId}
               for update) old
     where sl.product_id = old.product_id and sl.location_id = old.location_id
       and ${next} >= 0 and ${next} >= sl.reserved
    returning old.on_hand as on_hand_before, sl.on_hand as on_hand_after, sl.reserved`);
  const r = rows[0];
  return r && { onHandBefore: Number(r.on_hand_before), onHandAfter: Number(r.on_hand_after), reserved: Number(r.reserved) };
}

/** The current level of (product, location), if any. */
export const findLevel = async (db: Db, productId: string, locationId: string) =>
  (await db.select().from(stockLevels).where(and(eq(stockLevels.productId, productId), eq(stockLevels.locationId, locationId))))[0];

/** Records one stock movement (who, why, before and after). */
export const insertMovement = async (db: Db, values: typeof stockMovements.$inferInsert) =>
  (await db.insert(stockMovements).values(values).returning())[0];

/**
 * Every location of the supplier with the product's level there (zeros where it has none),
 * default location first, then by name. One query.
 */
export const listProductLevels = (db: Db, supplierId: string, productId: string) =>
  db
    .select({
      locationId: stockLocations.id,
      name: stockLocations.name,
      isDefault: stockLocations.isDefault,
      onHand: sql<number>`coalesce(${stockLevels.onHand}, 0)`.mapWith(Number),
      reserved: sql<number>`coalesce(${stockLevels.reserved}, 0)`.mapWith(Number),
      reorderPoint: sql<number>`coalesce(${stockLevels.reorderPoint}, 0)`.mapWith(Number),
    })
    .from(stockLocations)
    .leftJoin(stockLevels, and(eq(stockLevels.locationId, stockLocations.id), eq(stockLevels.productId, productId)))
    .where(eq(stockLocations.supplierId, supplierId))
    .orderBy(desc(stockLocations.isDefault), asc(stockLocations.name), asc(stockLocations.id));

/** A product's movements, newest first (id breaks ties: UUID v7 grows with time), with the total. */
export async function listMovements(db: Db, productId: string, opts: { limit: number; offset: number }) {
  const where = eq(stockMovements.productId, productId);
  const [items, [{ total }]] = await Promise.all([
    db.select().from(stockMovements).where(where).orderBy(desc(stockMovements.createdAt), desc(stockMovements.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(stockMovements).where(where),
  ]);
  return { items, total };
}

/** An order's stock movements (reservation, sale, release), oldest first. One query. */
export const listOrderMovements = (db: Db, orderId: string) =>
  db.select().from(stockMovements).where(eq(stockMovements.orderId, orderId)).orderBy(asc(stockMovements.createdAt), asc(stockMovements.id));
