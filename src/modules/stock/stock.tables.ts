import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../../infra/db/columns.js';
import { products } from '../catalog/catalog.tables.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/** Kinds of stock location (seed 002's branches, seed 004's "Main Warehouse"). */
export const LOCATION_KINDS = ['warehouse', 'branch', 'store'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

/**
 * A place that holds a supplier's stock (warehouse, branch, store). A supplier that has locations
 * has exactly one default (partial unique index), always active; names are unique per supplier,
 * case-insensitively.
 */
export const stockLocations = pgTable(
  'stock_locations',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: LOCATION_KINDS }).notNull().default('warehouse'),
    address: text('address'),
    isDefault: boolean('is_default').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('stock_locations_supplier_idx').on(t.supplierId),
    uniqueIndex('stock_locations_supplier_name_key').on(t.supplierId, sql`lower(${t.name})`),
    uniqueIndex('stock_locations_one_default_key')
      .on(t.supplierId)
      .where(sql`${t.isDefault}`),
  ],
);

/**
 * Stock of one product at one location, in whole units. `available = on_hand - reserved`.
 * The CHECKs make negative stock impossible whatever the code does.
 */
export const stockLevels = pgTable(
  'stock_levels',
  {
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    locationId: uuid('location_id')
      .notNull()
      .references(() => stockLocations.id, { onDelete: 'cascade' }),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    reorderPoint: integer('reorder_point').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.locationId] }),
    index('stock_levels_location_idx').on(t.locationId),
    check('stock_levels_on_hand_nonnegative', sql`${t.onHand} >= 0`),
    check('stock_levels_reserved_nonnegative', sql`${t.reserved} >= 0`),
    check('stock_levels_reserved_le_on_hand', sql`${t.reserved} <= ${t.onHand}`),
  ],
);

/**
 * Why stock changed. `reservation`/`release` move `reserved`; the rest move `on_hand`, but
 * `reconciliation`, written by the stock repair, which brings a drifted level's `reserved` back to what
 * its orders hold and its movements in line with the level.
 */
export const MOVEMENT_REASONS = ['initial', 'restock', 'adjustment', 'return', 'sale', 'reservation', 'release', 'transfer', 'reconciliation'] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];

/** One change of one stock level: who, why, before and after, and the order when there is one. */
export const stockMovements = pgTable(
  'stock_movements',
  {
    id: id(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    locationId: uuid('location_id')
      .notNull()
      .references(() => stockLocations.id, { onDelete: 'cascade' }),
    reason: text('reason', { enum: MOVEMENT_REASONS }).notNull(),
    onHandBefore: integer('on_hand_before').notNull(),
    onHandAfter: integer('on_hand_after').notNull(),
    reservedBefore: integer('reserved_before').notNull(),
    reservedAfter: integer('reserved_after').notNull(),
    orderId: uuid('order_id'),
    /** The two movements of one transfer (out of one location, into another) share this id. */
    transferId: uuid('transfer_id'),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [
    index('stock_movements_product_created_idx').on(t.productId, t.createdAt),
    index('stock_movements_location_created_idx').on(t.locationId, t.createdAt),
    index('stock_movements_order_idx').on(t.orderId),
    index('stock_movements_transfer_idx').on(t.transferId),
  ],
);
