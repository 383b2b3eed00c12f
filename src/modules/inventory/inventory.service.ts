import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import type { PageResult } from '../../infra/schemas.js';
import { findProductRow } from '../catalog/index.js';
import * as repo from './inventory.repo.js';
import type { AdjustInventoryInput, InventoryDto, MovementDto } from './inventory.schemas.js';

/**
 * The supplier's default stock location (`{id, name}`), created on first use with the name
 * "Main warehouse". Safe under concurrency: the insert is `ON CONFLICT DO NOTHING` on the partial
 * unique index `stock_locations_one_default_key`, then the row is read back. Uses `ctx.db`, so
 * inside a transaction the location is created in it. No access check: callers have done theirs.
 * At most three statements the first time, one afterwards.
 */
export async function ensureDefaultLocation(ctx: Ctx, supplierId: string): Promise<{ id: string; name: string }> {
  const existing = await repo.findDefaultLocation(ctx.db, supplierId);
  if (existing) return existing;
  const created = await repo.insertDefaultLocation(ctx.db, supplierId);
  if (created) return created;
  // A concurrent request created it between our read and our insert.
  const raced = await repo.findDefaultLocation(ctx.db, supplierId);
  if (!raced) throw new Error(`default stock location of ${supplierId} is missing after insert`);
  return raced;
}

/**
 * Puts a new product's initial stock (`quantity` whole units, ≥ 0) at the supplier's default
 * location and records a movement with reason `initial`. Must run in the transaction that creates
 * the product (`ctx.db` is that transaction). A quantity of 0 creates the zero level and no
 * movement.
 */
export async function recordInitialStock(ctx: Ctx, input: { productId: string; supplierId: string; quantity: number }): Promise<void> {
  const location = await ensureDefaultLocation(ctx, input.supplierId);
  await repo.insertLevel(ctx.db, input.productId, location.id, input.quantity);
  if (input.quantity === 0) return;
  await repo.insertMovement(ctx.db, {
    productId: input.productId,
    locationId: location.id,
    reason: 'initial',
    onHandBefore: 0,
    onHandAfter: input.quantity,
    reservedBefore: 0,
    reservedAfter: 0,
    actorId: ctx.actor?.userId ?? null,
  });
}

/** The product of `productId` when the caller holds `permission` in its supplier. @throws 404, 403. */
async function productFor(ctx: Ctx, productId: string, permission: 'inventory:read' | 'inventory:adjust') {
  const product = await findProductRow(ctx.db, productId);
  if (!product) throw notFound('Product');
  assertCan(ctx.actor, permission, product.supplierId, 'Product');
  return product;
}

async function inventoryOf(ctx: Ctx, product: { id: string; sku: string; supplierId: string }): Promise<InventoryDto> {
  const levels = await repo.listProductLevels(ctx.db, product.supplierId, product.id);
  const locations = levels.map((l) => ({
    location_id: l.locationId,
    name: l.name,
    is_default: l.isDefault,
    on_hand: l.onHand,
    reserved: l.reserved,
    available: l.onHand - l.reserved,
    reorder_point: l.reorderPoint,
  }));
  const onHand = locations.reduce((s, l) => s + l.on_hand, 0);
  const reserved = locations.reduce((s, l) => s + l.reserved, 0);
  return { product_id: product.id, sku: product.sku, on_hand: onHand, reserved, available: onHand - reserved, locations };
}

/**
 * Stock of one product: totals (whole units, summed over every location of the supplier) and
 * each location (zeros where the product has no level yet).
 * @throws 404 when the product is missing or the caller is not a member of its supplier; 403 without `inventory:read`.
 */
export async function getInventory(ctx: Ctx, productId: string): Promise<InventoryDto> {
  return inventoryOf(ctx, await productFor(ctx, productId, 'inventory:read'));
}

/**
 * Sets (`on_hand`) or changes (`delta`) a product's on-hand stock at a location (default: the
 * supplier's default location), with a movement recording reason, before/after, actor and note, in
 * one transaction. The change is one conditional UPDATE that keeps `on_hand ≥ reserved` and
 * `on_hand ≥ 0`.
 * @throws 404 product missing, archived or not the caller's; 403 without `inventory:adjust`;
 *   422 neither or both of on_hand/delta, a zero delta, or a location of another supplier or inactive;
 *   409 `STOCK_BELOW_RESERVED` with details `{on_hand, reserved}` (the current level) when the result
 *   would go below the reserved quantity or zero; nothing is written then.
 */
export async function adjustInventory(ctx: Ctx, productId: string, input: AdjustInventoryInput): Promise<InventoryDto> {
  const hasSet = input.on_hand !== undefined;
  const hasDelta = input.delta !== undefined;
  if (hasSet === hasDelta) {
    throw unprocessable([{ path: hasSet ? 'body/delta' : 'body/on_hand', message: 'give exactly one of on_hand or delta' }]);
  }
  if (hasDelta && input.delta === 0) throw unprocessable([{ path: 'body/delta', message: 'must not be 0' }]);
  const product = await productFor(ctx, productId, 'inventory:adjust');
  if (product.archivedAt) throw notFound('Product');
  if (input.location_id !== undefined) {
    const location = await repo.findLocation(ctx.db, product.supplierId, input.location_id);
    if (!location || !location.isActive) throw unprocessable([{ path: 'body/location_id', message: 'must be an active stock location of the product\'s supplier' }]);
  }
  await inTransaction(ctx, async (tx) => {
    const locationId = input.location_id ?? (await ensureDefaultLocation(tx, product.supplierId)).id;
    await repo.ensureLevel(tx.db, product.id, locationId);
    const change = await repo.updateOnHand(tx.db, product.id, locationId, hasSet ? { onHand: input.on_hand! } : { delta: input.delta! });
    if (!change) {
      const level = await repo.findLevel(tx.db, product.id, locationId);
      throw conflict('STOCK_BELOW_RESERVED', 'On-hand stock cannot go below zero or below the reserved quantity', {
        on_hand: level?.onHand ?? 0,
        reserved: level?.reserved ?? 0,
      });
    }
    await repo.insertMovement(tx.db, {
      productId: product.id,
      locationId,
      reason: input.reason,
      onHandBefore: change.onHandBefore,
      onHandAfter: change.onHandAfter,
      reservedBefore: change.reserved,
      reservedAfter: change.reserved,
      actorId: ctx.actor!.userId,
      note: input.note ?? null,
    });
  });
  return inventoryOf(ctx, product);
}

const movementDto = (m: repo.MovementRow): MovementDto => ({
  id: m.id,
  product_id: m.productId,
  location_id: m.locationId,
  reason: m.reason,
  delta_on_hand: m.onHandAfter - m.onHandBefore,
  on_hand_before: m.onHandBefore,
  on_hand_after: m.onHandAfter,
  reserved_before: m.reservedBefore,
  reserved_after: m.reservedAfter,
  order_id: m.orderId,
  actor_id: m.actorId,
  note: m.note,
  created_at: m.createdAt.toISOString(),
});

/**
 * A product's stock movements, newest first (page + count: two queries whatever the page size).
 * @throws 404 product missing or not the caller's; 403 without `inventory:read`.
 */
export async function listMovements(ctx: Ctx, productId: string, q: { limit: number; offset: number }): Promise<PageResult<MovementDto>> {
  const product = await productFor(ctx, productId, 'inventory:read');
  const { items, total } = await repo.listMovements(ctx.db, product.id, q);
  return { items: items.map(movementDto), total, limit: q.limit, offset: q.offset };
}
