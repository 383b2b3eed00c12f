/**
 * The `stock.low` event (docs/events.md): a stock level's `available` (on_hand − reserved) falls from
 * above its reorder point to at or below it. Once per crossing: a level already at or below its
 * point emits nothing more until it has gone back above it.
 */
import type { TxCtx } from '../../infra/context.js';
import { recordEvent } from '../../infra/outbox.js';
import * as repo from './stock.repo.js';

/** A level's figures before or after a change, in whole units. */
export interface LevelFigures {
  onHand: number;
  reserved: number;
  reorderPoint: number;
}

/** True when `available` goes from above the reorder point (`before`) to at or below it (`after`). */
export const crossesReorderPoint = (before: LevelFigures, after: LevelFigures): boolean =>
  before.onHand - before.reserved > before.reorderPoint && after.onHand - after.reserved <= after.reorderPoint;

/**
 * Records `stock.low` in the caller's transaction when the change from `before` to `after` crosses
 * the reorder point; nothing otherwise. `supplierId` (the event's organization) is read from the
 * location when not given: one query, only on a crossing.
 * @returns whether an event was recorded.
 */
export async function recordStockLowIfCrossed(
  tx: TxCtx,
  input: { productId: string; locationId: string; sku?: string; supplierId?: string; before: LevelFigures; after: LevelFigures },
): Promise<boolean> {
  if (!crossesReorderPoint(input.before, input.after)) return false;
  const supplierId = input.supplierId ?? (await repo.findLocationSupplier(tx.db, input.locationId));
  if (!supplierId) throw new Error(`stock location ${input.locationId} is missing`);
  const { onHand, reserved, reorderPoint } = input.after;
  await recordEvent(tx, {
    type: 'stock.low',
    aggregateType: 'product',
    aggregateId: input.productId,
    organizationId: supplierId,
    payload: {
      version: 1,
      product_id: input.productId,
      ...(input.sku !== undefined ? { sku: input.sku } : {}),
      location_id: input.locationId,
      supplier_id: supplierId,
      on_hand: onHand,
      reserved,
      available: onHand - reserved,
      reorder_point: reorderPoint,
    },
  });
  return true;
}
