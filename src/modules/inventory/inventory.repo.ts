/**
 * The inventory module's queries on the stock tables (owned by the stock module, read and written
 * here through its index): the locations API, adjustments, transfers, level lists and history.
 */
import { and, asc, count, desc, eq, gte, ilike, inArray, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../../infra/db/client.js';
import { containsPattern } from '../../infra/db/like.js';
import { products } from '../catalog/index.js';
import { stockLevels, stockLocations, stockMovements, type LocationKind, type LocationRow, type MovementReason, type MovementRow } from '../stock/index.js';

export type { LocationRow, MovementRow };

/* ---------- locations ---------- */

/** One location by id, whatever the supplier (callers check access to `supplierId`). */
export const findLocationById = async (db: Db, locationId: string): Promise<LocationRow | undefined> =>
  (await db.select().from(stockLocations).where(eq(stockLocations.id, locationId)))[0];

/** The supplier's locations among `ids`, one query. */
export const findSupplierLocations = (db: Db, supplierId: string, ids: string[]): Promise<LocationRow[]> =>
  ids.length === 0
    ? Promise.resolve([])
    : db
        .select()
        .from(stockLocations)
        .where(and(eq(stockLocations.supplierId, supplierId), inArray(stockLocations.id, ids)));

/** True when another location of the supplier (not `exceptId`) has this name, case-insensitively. */
export const locationNameTaken = async (db: Db, supplierId: string, name: string, exceptId?: string) =>
  (
    await db
      .select({ id: stockLocations.id })
      .from(stockLocations)
      .where(
        and(
          eq(stockLocations.supplierId, supplierId),
          sql`lower(${stockLocations.name}) = lower(${name})`,
          exceptId ? ne(stockLocations.id, exceptId) : undefined,
        ),
      )
      .limit(1)
  ).length > 0;

/**
 * Inserts a location unless a unique index refuses it (name taken, or a second default).
 * @returns the row, or undefined on a clash.
 */
export const insertLocation = async (db: Db, values: typeof stockLocations.$inferInsert): Promise<LocationRow | undefined> =>
  (await db.insert(stockLocations).values(values).onConflictDoNothing().returning())[0];

/** Clears the default flag of the supplier's default location other than `exceptId`. */
export const unsetDefaultLocation = (db: Db, supplierId: string, exceptId?: string) =>
  db
    .update(stockLocations)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(and(eq(stockLocations.supplierId, supplierId), eq(stockLocations.isDefault, true), exceptId ? ne(stockLocations.id, exceptId) : undefined));

/** Updates one location. @returns the row. */
export const updateLocation = async (db: Db, id: string, values: Partial<typeof stockLocations.$inferInsert>): Promise<LocationRow | undefined> =>
  (
    await db
      .update(stockLocations)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(stockLocations.id, id))
      .returning()
  )[0];

/** A page of the supplier's locations (default first, then by name) and the total: two queries. */
export async function listLocations(db: Db, supplierId: string, opts: { isActive?: boolean; kind?: LocationKind; limit: number; offset: number }) {
  const where = and(
    eq(stockLocations.supplierId, supplierId),
    opts.isActive !== undefined ? eq(stockLocations.isActive, opts.isActive) : undefined,
    opts.kind ? eq(stockLocations.kind, opts.kind) : undefined,
  );
  const [items, [{ total }]] = await Promise.all([
    db
      .select()
      .from(stockLocations)
      .where(where)
      .orderBy(desc(stockLocations.isDefault), asc(sql`lower(${stockLocations.name})`), asc(stockLocations.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(stockLocations).where(where),
  ]);
  return { items, total };
}

/* ---------- levels ---------- */

const levelOf = (productId: string, locationId: string) => and(eq(stockLevels.productId, productId), eq(stockLevels.locationId, locationId));

/** Creates the level row of (product, location) with zero stock unless it exists. */
export const ensureLevel = (db: Db, productId: string, locationId: string) => db.insert(stockLevels).values({ productId, locationId }).onConflictDoNothing();

/** The result of a conditional stock update: before and after, or nothing when the rule refused it. */
export interface LevelChange {
  onHandBefore: number;
  onHandAfter: number;
  reserved: number;
  reorderPoint: number;
}

/**
 * Sets `on_hand` (mode `set`) or adds `delta` to it (mode `delta`) in one statement, only where the
 * result stays ≥ 0 and ≥ `reserved` (and, with `increaseOnly`, > the current `on_hand`). The row
 * is locked by the inner `FOR UPDATE`, so the "before" values are the ones the update replaced,
 * whatever the concurrency.
 * @returns the change, or undefined when no row matched (missing level, or the rule refused).
 */
export async function updateOnHand(
  db: Db,
  productId: string,
  locationId: string,
  change: { onHand: number } | { delta: number },
  opts: { increaseOnly?: boolean } = {},
): Promise<LevelChange | undefined> {
  const next = 'onHand' in change ? sql`${change.onHand}::int` : sql`(old.on_hand + ${change.delta}::int)`;
  const rows = await queryRows<{ on_hand_before: number; on_hand_after: number; reserved: number; reorder_point: number }>(
    db,
    sql`
    update stock_levels sl
       set on_hand = ${next}, updated_at = now()
      from (select product_id, location_id, on_hand
              from stock_levels
             where product_id = ${productId} and location_id = ${locationId}
               for update) old
     where sl.product_id = old.product_id and sl.location_id = old.location_id
       and ${next} >= 0 and ${next} >= sl.reserved
       ${opts.increaseOnly ? sql`and ${next} > old.on_hand` : sql``}
    returning old.on_hand as on_hand_before, sl.on_hand as on_hand_after, sl.reserved, sl.reorder_point`,
  );
  const r = rows[0];
  return (
    r && { onHandBefore: Number(r.on_hand_before), onHandAfter: Number(r.on_hand_after), reserved: Number(r.reserved), reorderPoint: Number(r.reorder_point) }
  );
}

/** Sets the reorder point of an existing level. @returns its units and the reorder point before and after (undefined without a level). */
export async function setReorderPoint(
  db: Db,
  productId: string,
  locationId: string,
  reorderPoint: number,
): Promise<{ onHand: number; reserved: number; reorderPointBefore: number; reorderPoint: number } | undefined> {
  const rows = await queryRows<{ on_hand: number; reserved: number; before: number; after: number }>(
    db,
    sql`
    update stock_levels sl
       set reorder_point = ${reorderPoint}::int, updated_at = now()
      from (select product_id, location_id, reorder_point
              from stock_levels
             where product_id = ${productId} and location_id = ${locationId}
               for update) old
     where sl.product_id = old.product_id and sl.location_id = old.location_id
    returning sl.on_hand, sl.reserved, old.reorder_point as before, sl.reorder_point as after`,
  );
  const r = rows[0];
  return r && { onHand: Number(r.on_hand), reserved: Number(r.reserved), reorderPointBefore: Number(r.before), reorderPoint: Number(r.after) };
}

/** The current level of (product, location), if any. */
export const findLevel = async (db: Db, productId: string, locationId: string) =>
  (await db.select().from(stockLevels).where(levelOf(productId, locationId)))[0];

/** On-hand and reserved units after a transfer statement. */
export interface LevelAfter {
  onHand: number;
  reserved: number;
}

/**
 * Takes `quantity` units out of (product, location) in one conditional statement:
 * `on_hand -= q` only where `on_hand - reserved >= q` (reserved stock never leaves). The row lock
 * makes concurrent takes queue and re-check the condition.
 * @returns the level after (with its reorder point), or undefined when short (or no level).
 */
export const takeFromLevel = async (
  db: Db,
  productId: string,
  locationId: string,
  quantity: number,
): Promise<(LevelAfter & { reorderPoint: number }) | undefined> =>
  (
    await db
      .update(stockLevels)
      .set({ onHand: sql`${stockLevels.onHand} - ${quantity}`, updatedAt: sql`now()` })
      .where(and(levelOf(productId, locationId), sql`${stockLevels.onHand} - ${stockLevels.reserved} >= ${quantity}`))
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved, reorderPoint: stockLevels.reorderPoint })
  )[0];

/** Adds `quantity` units to (product, location), creating the level when missing. @returns the level after. */
export const addToLevel = async (db: Db, productId: string, locationId: string, quantity: number): Promise<LevelAfter> =>
  (
    await db
      .insert(stockLevels)
      .values({ productId, locationId, onHand: quantity })
      .onConflictDoUpdate({
        target: [stockLevels.productId, stockLevels.locationId],
        set: { onHand: sql`stock_levels.on_hand + excluded.on_hand`, updatedAt: sql`now()` },
      })
      .returning({ onHand: stockLevels.onHand, reserved: stockLevels.reserved })
  )[0];

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

/** The filters of the stock level list. */
export interface LevelFilter {
  locationId?: string;
  productId?: string;
  lowStock?: boolean;
  q?: string;
}

const lowStockCondition = sql`(${stockLevels.onHand} - ${stockLevels.reserved}) <= ${stockLevels.reorderPoint}`;

/**
 * A page of the supplier's stock levels, one row per (product, location), products not archived,
 * ordered by product name then location (default first), and the total: two queries whatever the
 * page size. The supplier filter is in the SQL (the location's and the product's `supplier_id`).
 */
export async function listLevels(db: Db, supplierId: string, f: LevelFilter & { limit: number; offset: number }) {
  const where = and(
    eq(stockLocations.supplierId, supplierId),
    eq(products.supplierId, supplierId),
    isNull(products.archivedAt),
    f.locationId ? eq(stockLevels.locationId, f.locationId) : undefined,
    f.productId ? eq(stockLevels.productId, f.productId) : undefined,
    f.lowStock === undefined ? undefined : f.lowStock ? lowStockCondition : sql`not ${lowStockCondition}`,
    f.q ? or(ilike(products.name, containsPattern(f.q)), ilike(products.sku, containsPattern(f.q))) : undefined,
  );
  const [items, [{ total }]] = await Promise.all([
    db
      .select({
        productId: products.id,
        sku: products.sku,
        productName: products.name,
        locationId: stockLocations.id,
        locationName: stockLocations.name,
        onHand: stockLevels.onHand,
        reserved: stockLevels.reserved,
        reorderPoint: stockLevels.reorderPoint,
        updatedAt: stockLevels.updatedAt,
      })
      .from(stockLevels)
      .innerJoin(stockLocations, eq(stockLocations.id, stockLevels.locationId))
      .innerJoin(products, eq(products.id, stockLevels.productId))
      .where(where)
      .orderBy(asc(products.name), asc(products.id), desc(stockLocations.isDefault), asc(stockLocations.name), asc(stockLocations.id))
      .limit(f.limit)
      .offset(f.offset),
    db
      .select({ total: count() })
      .from(stockLevels)
      .innerJoin(stockLocations, eq(stockLocations.id, stockLevels.locationId))
      .innerJoin(products, eq(products.id, stockLevels.productId))
      .where(where),
  ]);
  return { items, total };
}

/* ---------- movements ---------- */

/** Records several movements in one statement, returned in the order given. */
export const insertMovements = (db: Db, values: (typeof stockMovements.$inferInsert)[]): Promise<MovementRow[]> =>
  values.length === 0 ? Promise.resolve([]) : db.insert(stockMovements).values(values).returning();

/** The filters of a movement history. Times are instants; `to` is inclusive unless `toExclusive`. */
export interface MovementFilter {
  productId?: string;
  locationId?: string;
  reason?: MovementReason;
  transferId?: string;
  from?: Date;
  to?: Date;
  toExclusive?: boolean;
}

/** A movement with its product's SKU and name and its location's name. */
export interface MovementWithRefs {
  movement: MovementRow;
  sku: string;
  productName: string;
  locationName: string;
}

const movementWhere = (supplierId: string, f: MovementFilter): SQL | undefined =>
  and(
    eq(stockLocations.supplierId, supplierId),
    f.productId ? eq(stockMovements.productId, f.productId) : undefined,
    f.locationId ? eq(stockMovements.locationId, f.locationId) : undefined,
    f.reason ? eq(stockMovements.reason, f.reason) : undefined,
    f.transferId ? eq(stockMovements.transferId, f.transferId) : undefined,
    f.from ? gte(stockMovements.createdAt, f.from) : undefined,
    f.to ? (f.toExclusive ? lt(stockMovements.createdAt, f.to) : lte(stockMovements.createdAt, f.to)) : undefined,
  );

/**
 * A page of the supplier's movements, newest first (id breaks ties: UUID v7 grows with time), with
 * product and location names, and the total: two queries whatever the page size. The supplier
 * filter is the movement's location (`stock_locations.supplier_id`), in the SQL.
 */
export async function listMovements(
  db: Db,
  supplierId: string,
  f: MovementFilter & { limit: number; offset: number },
): Promise<{ items: MovementWithRefs[]; total: number }> {
  const where = movementWhere(supplierId, f);
  const [items, [{ total }]] = await Promise.all([
    db
      .select({ movement: stockMovements, sku: products.sku, productName: products.name, locationName: stockLocations.name })
      .from(stockMovements)
      .innerJoin(stockLocations, eq(stockLocations.id, stockMovements.locationId))
      .innerJoin(products, eq(products.id, stockMovements.productId))
      .where(where)
      .orderBy(desc(stockMovements.createdAt), desc(stockMovements.id))
      .limit(f.limit)
      .offset(f.offset),
    db.select({ total: count() }).from(stockMovements).innerJoin(stockLocations, eq(stockLocations.id, stockMovements.locationId)).where(where),
  ]);
  return { items, total };
}
