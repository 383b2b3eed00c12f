/** One product's stock, manual adjustments, stock level lists and the movement history. */
import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, notFound, unprocessable, type FieldError } from '../../infra/errors.js';
import type { PageResult } from '../../infra/schemas.js';
import { parseTimeRange } from '../../infra/time-range.js';
import { diff, recordAudit } from '../audit/index.js';
import { findProductRow } from '../catalog/index.js';
import { resolveSupplier } from '../organizations/index.js';
import { ensureDefaultLocation, findLocation, recordMovements, recordStockLowIfCrossed, type LevelFigures, type MovementReason } from '../stock/index.js';
import * as repo from './inventory.repo.js';
import {
  INCREASING_REASONS,
  type AdjustInventoryInput,
  type InventoryDto,
  type ListMovementsQueryInput,
  type ListStockLevelsQueryInput,
  type MovementDto,
  type StockLevelDto,
} from './inventory.schemas.js';

/* ---------- one product's stock ---------- */

/** The product of `productId` when the caller holds `permission` in its supplier. @throws 404, 403. */
async function productFor(ctx: Ctx, productId: string, permission: 'inventory:read' | 'inventory:adjust') {
  const product = await findProductRow(ctx, productId);
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
 * each location (zeros where the product has no level yet), with its reorder point.
 * @throws 404 when the product is missing or the caller is not a member of its supplier; 403 without `inventory:read`.
 */
export async function getInventory(ctx: Ctx, productId: string): Promise<InventoryDto> {
  return inventoryOf(ctx, await productFor(ctx, productId, 'inventory:read'));
}

/** Checks the shape rules of an adjustment that the schema cannot express. @throws 422. */
function checkAdjustment(input: AdjustInventoryInput): void {
  const hasSet = input.on_hand !== undefined;
  const hasDelta = input.delta !== undefined;
  const changesStock = hasSet || hasDelta;
  const errors: FieldError[] = [];
  if (hasSet && hasDelta) errors.push({ path: 'body/delta', message: 'give at most one of on_hand or delta' });
  if (!changesStock && input.reorder_point === undefined)
    errors.push({ path: 'body/on_hand', message: 'give on_hand or delta (a stock change), reorder_point, or both' });
  if (hasDelta && input.delta === 0) errors.push({ path: 'body/delta', message: 'must not be 0' });
  if (changesStock && input.reason === undefined) errors.push({ path: 'body/reason', message: 'is required with on_hand or delta' });
  if (!changesStock && input.reason !== undefined) errors.push({ path: 'body/reason', message: 'goes with on_hand or delta' });
  if (!changesStock && input.note !== undefined) errors.push({ path: 'body/note', message: 'goes with on_hand or delta' });
  if (hasDelta && input.delta! < 0 && input.reason && INCREASING_REASONS.includes(input.reason)) {
    errors.push({ path: 'body/delta', message: `${input.reason} adds stock: delta must be positive (use adjustment to remove stock)` });
  }
  if (errors.length > 0) throw unprocessable(errors);
}

/**
 * Changes a product's stock at a location (default: the supplier's default location) in one
 * transaction: sets (`on_hand`) or changes (`delta`) on-hand units with a movement recording the
 * reason, before/after, actor and note, and/or sets the location's `reorder_point` (seed 002's
 * per-branch reorder point; no movement). The stock change is one conditional UPDATE that keeps
 * `on_hand ≥ reserved` and `on_hand ≥ 0`. Manual reasons are `restock`, `adjustment`, `return`;
 * `restock` and `return` may only raise on-hand stock. When the request as a whole (stock change and
 * reorder point together) takes the level's available units from above its reorder point to at or
 * below it, a `stock.low` event is recorded in the same transaction: lowering stock, or raising
 * the reorder point above what is available, is a crossing.
 * @throws 404 product missing, archived or not the caller's; 403 without `inventory:adjust`;
 *   422 both on_hand and delta, nothing to change, a zero delta, a missing reason with a stock
 *   change (or a reason or note without one), a restock/return that does not add stock, or a
 *   location of another supplier or inactive;
 *   409 `STOCK_BELOW_RESERVED` with details `{on_hand, reserved}` (the current level) when the result
 *   would go below the reserved quantity or zero. Nothing is written when it throws.
 */
export async function adjustInventory(ctx: Ctx, productId: string, input: AdjustInventoryInput): Promise<InventoryDto> {
  checkAdjustment(input);
  const product = await productFor(ctx, productId, 'inventory:adjust');
  if (product.archivedAt) throw notFound('Product');
  if (input.location_id !== undefined) {
    const location = await findLocation(ctx, product.supplierId, input.location_id);
    if (!location || !location.isActive)
      throw unprocessable([{ path: 'body/location_id', message: "must be an active stock location of the product's supplier" }]);
  }
  await inTransaction(ctx, async (tx) => {
    const locationId = input.location_id ?? (await ensureDefaultLocation(tx, product.supplierId)).id;
    await repo.ensureLevel(tx.db, product.id, locationId);
    let before: LevelFigures | undefined;
    let after: LevelFigures | undefined;
    if (input.on_hand !== undefined || input.delta !== undefined) {
      const reason = input.reason!;
      const increaseOnly = INCREASING_REASONS.includes(reason);
      const change = await repo.updateOnHand(tx.db, product.id, locationId, input.on_hand !== undefined ? { onHand: input.on_hand } : { delta: input.delta! }, {
        increaseOnly,
      });
      if (!change) {
        const level = await repo.findLevel(tx.db, product.id, locationId);
        const current = { on_hand: level?.onHand ?? 0, reserved: level?.reserved ?? 0 };
        if (increaseOnly && input.on_hand !== undefined && input.on_hand <= current.on_hand) {
          throw unprocessable([
            { path: 'body/on_hand', message: `${reason} adds stock: on_hand must be above the current ${current.on_hand} (use adjustment to lower it)` },
          ]);
        }
        throw conflict('STOCK_BELOW_RESERVED', 'On-hand stock cannot go below zero or below the reserved quantity', current);
      }
      before = { onHand: change.onHandBefore, reserved: change.reserved, reorderPoint: change.reorderPoint };
      after = { onHand: change.onHandAfter, reserved: change.reserved, reorderPoint: change.reorderPoint };
      await recordMovements(tx, [
        {
          productId: product.id,
          locationId,
          reason,
          onHandBefore: change.onHandBefore,
          onHandAfter: change.onHandAfter,
          reservedBefore: change.reserved,
          reservedAfter: change.reserved,
          actorId: ctx.actor!.userId,
          note: input.note ?? null,
        },
      ]);
    }
    if (input.reorder_point !== undefined) {
      const level = await repo.setReorderPoint(tx.db, product.id, locationId, input.reorder_point);
      if (level) {
        before ??= { onHand: level.onHand, reserved: level.reserved, reorderPoint: level.reorderPointBefore };
        after = { onHand: level.onHand, reserved: level.reserved, reorderPoint: level.reorderPoint };
      }
    }
    await recordAudit(tx, {
      organizationId: product.supplierId,
      entityType: 'stock_level',
      entityId: product.id,
      action: 'inventory.adjusted',
      changes: {
        location_id: locationId,
        ...(input.reason && { reason: input.reason }),
        ...(input.note && { note: input.note }),
        ...(before && after && diff(before, after, ['onHand', 'reorderPoint'])),
      },
    });
    if (before && after) {
      await recordStockLowIfCrossed(tx, { productId: product.id, locationId, sku: product.sku, supplierId: product.supplierId, before, after });
    }
  });
  return inventoryOf(ctx, product);
}

/* ---------- stock levels ---------- */

/**
 * The supplier's stock levels, one row per (product, location) that has a level, products not
 * archived, ordered by product name then location (default first). Each row: product
 * `{id, sku, name}`, location `{id, name}`, whole units `on_hand`, `reserved`, `available`
 * (= on_hand − reserved), `reorder_point` and `low_stock` (= available ≤ reorder_point, seed 002's
 * reorder point and seed 003's low-stock alert). Filters: `location_id`, `product_id`,
 * `low_stock`, `q` (part of the name or SKU). Two queries whatever the page size.
 * @throws 403 without `inventory:read` in a supplier; 404 for a supplier the caller is not in;
 *   422 when the caller is in several suppliers and gave no `supplier_id`.
 */
export async function listStockLevels(ctx: Ctx, q: ListStockLevelsQueryInput): Promise<PageResult<StockLevelDto>> {
  const supplierId = await resolveSupplier(ctx, 'inventory:read', q.supplier_id, 'querystring/supplier_id');
  const { items, total } = await repo.listLevels(ctx.db, supplierId, {
    locationId: q.location_id,
    productId: q.product_id,
    lowStock: q.low_stock,
    q: q.q?.trim() || undefined,
    limit: q.limit,
    offset: q.offset,
  });
  return {
    items: items.map((r) => {
      const available = r.onHand - r.reserved;
      return {
        product: { id: r.productId, sku: r.sku, name: r.productName },
        location: { id: r.locationId, name: r.locationName },
        on_hand: r.onHand,
        reserved: r.reserved,
        available,
        reorder_point: r.reorderPoint,
        low_stock: available <= r.reorderPoint,
        updated_at: r.updatedAt.toISOString(),
      };
    }),
    total,
    limit: q.limit,
    offset: q.offset,
  };
}

/* ---------- movements ---------- */

/** A movement as the API shows it. */
export const movementDto = (r: repo.MovementWithRefs): MovementDto => {
  const m = r.movement;
  return {
    id: m.id,
    product_id: m.productId,
    location_id: m.locationId,
    product: { id: m.productId, sku: r.sku, name: r.productName },
    location: { id: m.locationId, name: r.locationName },
    reason: m.reason,
    delta_on_hand: m.onHandAfter - m.onHandBefore,
    delta_reserved: m.reservedAfter - m.reservedBefore,
    on_hand_before: m.onHandBefore,
    on_hand_after: m.onHandAfter,
    reserved_before: m.reservedBefore,
    reserved_after: m.reservedAfter,
    order_id: m.orderId,
    transfer_id: m.transferId,
    actor_id: m.actorId,
    note: m.note,
    created_at: m.createdAt.toISOString(),
  };
};

/** Turns the query's filters into the repo's, checking the date range. @throws 422 from > to, or a bad date. */
function movementFilter(q: { location_id?: string; reason?: MovementReason; transfer_id?: string; from?: string; to?: string }): repo.MovementFilter {
  const range = parseTimeRange(q.from, q.to, { from: 'querystring/from', to: 'querystring/to' });
  return { locationId: q.location_id, reason: q.reason, transferId: q.transfer_id, ...range };
}

/**
 * The supplier's stock movements (seed 003's inventory history, seed 004's history reasons),
 * newest first, each with product `{id, sku, name}`, location `{id, name}`, reason, deltas and
 * before/after (whole units), order, transfer, actor, note and time. Filters: `product_id`,
 * `location_id`, `reason`, `transfer_id`, `from`/`to` (inclusive; a date-only `to` covers that whole
 * day, UTC). Filtered by the supplier in SQL through the movement's location; two queries whatever
 * the page size.
 * @throws 403 without `inventory:read`; 404 for a supplier the caller is not in; 422 from > to, an
 *   impossible date, or several suppliers and no `supplier_id`.
 */
export async function listSupplierMovements(ctx: Ctx, q: ListMovementsQueryInput): Promise<PageResult<MovementDto>> {
  const filter = movementFilter(q);
  const supplierId = await resolveSupplier(ctx, 'inventory:read', q.supplier_id, 'querystring/supplier_id');
  const { items, total } = await repo.listMovements(ctx.db, supplierId, { ...filter, productId: q.product_id, limit: q.limit, offset: q.offset });
  return { items: items.map(movementDto), total, limit: q.limit, offset: q.offset };
}

/**
 * A product's stock movements, newest first, with the same filters as `listSupplierMovements`
 * (but `product_id`); two queries whatever the page size.
 * @throws 404 product missing or not the caller's; 403 without `inventory:read`; 422 from > to.
 */
export async function listMovements(
  ctx: Ctx,
  productId: string,
  q: Omit<ListMovementsQueryInput, 'supplier_id' | 'product_id'>,
): Promise<PageResult<MovementDto>> {
  const filter = movementFilter(q);
  const product = await productFor(ctx, productId, 'inventory:read');
  const { items, total } = await repo.listMovements(ctx.db, product.supplierId, { ...filter, productId: product.id, limit: q.limit, offset: q.offset });
  return { items: items.map(movementDto), total, limit: q.limit, offset: q.offset };
}
