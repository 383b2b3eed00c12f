/** Stock transfers between two locations of one supplier (seed 002's branches; reason `transfer`). */
import { v7 as uuidv7 } from 'uuid';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, unprocessable, type FieldError } from '../../infra/errors.js';
import { recordAudit } from '../audit/index.js';
import { findSupplierProducts, type ProductRow } from '../catalog/index.js';
import { resolveSupplier } from '../organizations/index.js';
import { availableAt, normalizeStockLines, recordStockLowIfCrossed, type NewMovement, type ShortLine } from '../stock/index.js';
import * as repo from './inventory.repo.js';
import type { TransferDto, TransferInput } from './inventory.schemas.js';
import { movementDto } from './inventory.service.js';

/** A line of a transfer's `INSUFFICIENT_STOCK` details (whole units at the source location). */
export interface ShortTransferLine extends ShortLine {
  sku: string;
}

/**
 * Moves stock between two active locations of one supplier, in one transaction. For each product
 * (lines of the same product merged), in product id order and, within a product, in location id
 * order (one global lock order, shared with order reservations, so opposite transfers never
 * deadlock): one conditional `UPDATE … SET on_hand = on_hand - q WHERE on_hand - reserved >= q` at
 * the source (reserved units never move) and one increment at the destination (its level created
 * when missing). Writes two movements per line with reason `transfer`, sharing a new `transfer_id`
 * (out of the source, then into the destination), with before/after, the actor and the note, and a
 * `stock.low` event for each source level whose available units fall from above its reorder point
 * to at or below it.
 * @returns `{transfer_id, supplier_id, from_location_id, to_location_id, note, movements}`.
 * @throws 403 without `inventory:adjust`; 404 supplier not the caller's; 422 same source and
 *   destination, a location inactive or not the supplier's, a product archived or not the
 *   supplier's (paths `body/lines/<i>/product_id`), several suppliers without `supplier_id`;
 *   409 `INSUFFICIENT_STOCK` with `details.lines: [{product_id, sku, requested, available}]`
 *   listing every short line. Nothing is written when it throws.
 */
export async function transferStock(ctx: Ctx, input: TransferInput): Promise<TransferDto> {
  const supplierId = await resolveSupplier(ctx, 'inventory:adjust', input.supplier_id, 'body/supplier_id');
  const fromId = input.from_location_id.toLowerCase();
  const toId = input.to_location_id.toLowerCase();
  const errors: FieldError[] = [];
  if (fromId === toId) errors.push({ path: 'body/to_location_id', message: 'must differ from from_location_id' });

  const wantedProducts = [...new Set(input.lines.map((l) => l.product_id.toLowerCase()))];
  const [locations, productRows] = await Promise.all([
    repo.findSupplierLocations(ctx.db, supplierId, [...new Set([fromId, toId])]),
    findSupplierProducts(ctx, supplierId, wantedProducts),
  ]);
  const from = locations.find((l) => l.id === fromId);
  const to = locations.find((l) => l.id === toId);
  if (!from?.isActive) errors.push({ path: 'body/from_location_id', message: 'must be an active stock location of the supplier' });
  if (!to?.isActive) errors.push({ path: 'body/to_location_id', message: 'must be an active stock location of the supplier' });
  const productById = new Map<string, ProductRow>(productRows.map((p) => [p.id, p]));
  input.lines.forEach((l, i) => {
    const p = productById.get(l.product_id.toLowerCase());
    if (!p || p.archivedAt) errors.push({ path: `body/lines/${i}/product_id`, message: 'must be a product of the supplier that is not archived' });
  });
  if (errors.length > 0 || !from || !to) throw unprocessable(errors);

  const lines = normalizeStockLines(input.lines.map((l) => ({ productId: l.product_id.toLowerCase(), quantity: l.quantity })));
  const transferId = uuidv7();
  const note = input.note ?? null;
  const actorId = ctx.actor!.userId;
  const sourceFirst = from.id < to.id;

  const rows = await inTransaction(ctx, async (tx) => {
    const movements: NewMovement[] = [];
    const failed: typeof lines = [];
    for (const line of lines) {
      const q = line.quantity;
      if (failed.length > 0) {
        failed.push(line); // the request fails anyway: lock nothing more, only report
        continue;
      }
      let added: repo.LevelAfter | undefined;
      if (!sourceFirst) added = await repo.addToLevel(tx.db, line.productId, to.id, q);
      const taken = await repo.takeFromLevel(tx.db, line.productId, from.id, q);
      if (!taken) {
        failed.push(line);
        continue;
      }
      if (sourceFirst) added = await repo.addToLevel(tx.db, line.productId, to.id, q);
      await recordStockLowIfCrossed(tx, {
        productId: line.productId,
        locationId: from.id,
        sku: productById.get(line.productId)!.sku,
        supplierId,
        before: { ...taken, onHand: taken.onHand + q },
        after: taken,
      });
      const base = { productId: line.productId, reason: 'transfer' as const, transferId, actorId, note };
      movements.push(
        {
          ...base,
          locationId: from.id,
          onHandBefore: taken.onHand + q,
          onHandAfter: taken.onHand,
          reservedBefore: taken.reserved,
          reservedAfter: taken.reserved,
        },
        {
          ...base,
          locationId: to.id,
          onHandBefore: added!.onHand - q,
          onHandAfter: added!.onHand,
          reservedBefore: added!.reserved,
          reservedAfter: added!.reserved,
        },
      );
    }
    if (failed.length > 0) {
      const available = await availableAt(
        tx,
        from.id,
        failed.map((l) => l.productId),
      );
      const short: ShortTransferLine[] = failed
        .map((l) => ({ product_id: l.productId, sku: productById.get(l.productId)!.sku, requested: l.quantity, available: available.get(l.productId) ?? 0 }))
        // The first failed line is short by the conditional update itself; the others by the read.
        .filter((l, i) => i === 0 || l.available < l.requested);
      throw conflict('INSUFFICIENT_STOCK', `Not enough available stock at the source for ${short.length} line(s)`, { lines: short });
    }
    await recordAudit(tx, {
      organizationId: supplierId,
      entityType: 'transfer',
      entityId: transferId,
      action: 'transfer.created',
      changes: { from_location_id: from.id, to_location_id: to.id, lines: lines.map((l) => ({ product_id: l.productId, quantity: l.quantity })), note },
    });
    return repo.insertMovements(tx.db, movements);
  });

  const locationName = new Map([
    [from.id, from.name],
    [to.id, to.name],
  ]);
  const byKey = new Map(rows.map((r) => [`${r.productId}/${r.locationId}`, r]));
  const ordered = lines.flatMap((l) => [byKey.get(`${l.productId}/${from.id}`)!, byKey.get(`${l.productId}/${to.id}`)!]);
  return {
    transfer_id: transferId,
    supplier_id: supplierId,
    from_location_id: from.id,
    to_location_id: to.id,
    note,
    movements: ordered.map((m) => {
      const p = productById.get(m.productId)!;
      return movementDto({ movement: m, sku: p.sku, productName: p.name, locationName: locationName.get(m.locationId)! });
    }),
  };
}
