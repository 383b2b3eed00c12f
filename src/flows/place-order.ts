/**
 * Placing an order: one transaction across organizations, links, catalog, inventory and orders
 * (DESIGN.md sections 5–7).
 */
import { permits, assertCan, type Actor } from '../infra/access.js';
import { inTransaction, type Ctx } from '../infra/context.js';
import { AppError, conflict, forbidden, notFound, unauthorized, unprocessable, type FieldError } from '../infra/errors.js';
import { formatMoney } from '../infra/money.js';
import { recordEvent } from '../infra/outbox.js';
import { findProductsByIds } from '../modules/catalog/index.js';
import { ensureDefaultLocation, reserveStock } from '../modules/inventory/index.js';
import { listAcceptedLinkConsumers } from '../modules/links/index.js';
import { createOrderRecord, toOrderDto, type NewOrderLine, type OrderDto, type PlaceOrderInput } from '../modules/orders/index.js';
import { findOrganization, type OrganizationRow } from '../modules/organizations/index.js';

const noLink = () => forbidden('Your organization needs an accepted link with this supplier to order', 'NO_ACCEPTED_LINK');

/**
 * Who buys (seed 000 links, DESIGN.md section 5):
 * - `consumerId` given: the caller needs `orders:create` there (404 non-member, 403 role), it must
 *   be a consumer organization (422), and for a `linked` supplier it needs an accepted link (403
 *   `NO_ACCEPTED_LINK`);
 * - omitted: the one consumer organization of the caller (with `orders:create`) that has an
 *   accepted link (422 when several have one); else, for a `public` supplier, the caller as a
 *   customer (null); else 403.
 */
async function resolveBuyer(ctx: Ctx, actor: Actor, supplier: OrganizationRow, consumerId: string | undefined): Promise<OrganizationRow | null> {
  if (consumerId) {
    assertCan(actor, 'orders:create', consumerId, 'Consumer');
    const consumer = await findOrganization(ctx.db, consumerId);
    if (!consumer || !consumer.isActive) throw notFound('Consumer');
    if (consumer.type !== 'consumer') throw unprocessable([{ path: 'body/consumer_id', message: 'must be a consumer organization' }]);
    if (supplier.catalogVisibility === 'linked' && (await listAcceptedLinkConsumers(ctx.db, [consumerId], supplier.id)).length === 0) throw noLink();
    return consumer;
  }
  const candidates = actor.memberships
    .filter((m) => m.organizationType === 'consumer' && permits(m.permissions, 'orders:create'))
    .map((m) => m.organizationId);
  const linked = await listAcceptedLinkConsumers(ctx.db, candidates, supplier.id);
  if (linked.length > 1) {
    throw unprocessable([{ path: 'body/consumer_id', message: 'you buy for several organizations linked to this supplier: say which' }]);
  }
  if (linked.length === 1) return (await findOrganization(ctx.db, linked[0]))!;
  if (supplier.catalogVisibility === 'public') return null;
  throw noLink();
}

/** Items merged by product (quantities summed), in first-appearance order, with their first index. */
function mergeItems(items: PlaceOrderInput['items']) {
  const merged = new Map<string, { productId: string; quantity: number; index: number }>();
  items.forEach((it, index) => {
    const m = merged.get(it.product_id);
    if (m) m.quantity += it.quantity;
    else merged.set(it.product_id, { productId: it.product_id, quantity: it.quantity, index });
  });
  return [...merged.values()];
}

/**
 * Places an order (`POST /api/v1/orders`), all in ONE transaction: resolve the supplier (active
 * supplier, else 404 `Supplier`) and the buyer (`resolveBuyer`), snapshot every product (SKU, name,
 * unit price in the supplier's currency), compute exact totals (decimal strings; tax, shipping and
 * discount 0 for now), write the pending order `ORD-<n>` with lines and a `null → pending` history
 * row, reserve the stock at the supplier's default location (`reserveStock`) and record an
 * `order.placed` outbox event `{order_id, number, supplier_id, consumer_id, placed_by, currency,
 * total (formatted decimal string), lines: [{product_id, sku, quantity}]}`. Lines of the same product are merged first.
 *
 * Any failure rolls everything back: a rejected request writes nothing (the order number sequence
 * may skip a value).
 * @throws 404 `Supplier` / `Consumer`; 403 `NO_ACCEPTED_LINK` or a consumer role without
 *   `orders:create`; 422 with `body/items/<i>/product_id` for a product that does not exist, belongs
 *   to another supplier, is inactive or archived; 409 `INSUFFICIENT_STOCK` with
 *   `details.lines: [{product_id, sku, requested, available}]` (every short line).
 */
export async function placeOrder(ctx: Ctx, input: PlaceOrderInput): Promise<OrderDto> {
  const actor = ctx.actor;
  if (!actor) throw unauthorized();
  const items = mergeItems(input.items);
  return inTransaction(ctx, async (tx) => {
    const supplier = await findOrganization(tx.db, input.supplier_id);
    if (!supplier || supplier.type !== 'supplier' || !supplier.isActive) throw notFound('Supplier');
    const consumer = await resolveBuyer(tx, actor, supplier, input.consumer_id);

    const found = new Map((await findProductsByIds(tx.db, items.map((i) => i.productId))).map((p) => [p.id, p]));
    const errors: FieldError[] = [];
    const lines: NewOrderLine[] = [];
    for (const item of items) {
      const p = found.get(item.productId);
      const path = `body/items/${item.index}/product_id`;
      // Another supplier's product is "not found" too: never reveal other tenants' objects.
      if (!p || p.supplierId !== supplier.id) errors.push({ path, message: 'no such product at this supplier' });
      else if (p.archivedAt) errors.push({ path, message: `product ${p.sku} is archived` });
      else if (!p.isActive) errors.push({ path, message: `product ${p.sku} is not active` });
      else lines.push({ productId: p.id, sku: p.sku, name: p.name, unitPrice: p.price, quantity: item.quantity });
    }
    if (errors.length > 0) throw unprocessable(errors, 'Some products cannot be ordered');

    const location = await ensureDefaultLocation(tx, supplier.id);
    const record = await createOrderRecord(tx, {
      supplierId: supplier.id,
      consumerId: consumer?.id ?? null,
      placedBy: actor.userId,
      locationId: location.id,
      currency: supplier.currency,
      notes: input.notes ?? null,
      lines,
    });
    const order = record.order;
    try {
      await reserveStock(tx, { locationId: location.id, orderId: order.id, lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })) });
    } catch (err) {
      if (err instanceof AppError && err.code === 'INSUFFICIENT_STOCK') {
        const short = ((err.extra.details as { lines: { product_id: string; requested: number; available: number }[] }).lines).map((s) => ({
          product_id: s.product_id,
          sku: found.get(s.product_id)!.sku,
          requested: s.requested,
          available: s.available,
        }));
        const what = short.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`).join(', ');
        throw conflict('INSUFFICIENT_STOCK', `Not enough stock for ${what}`, { lines: short });
      }
      throw err;
    }
    await recordEvent(tx, {
      type: 'order.placed',
      aggregateType: 'order',
      aggregateId: order.id,
      organizationId: supplier.id,
      payload: {
        order_id: order.id, number: order.number, supplier_id: supplier.id, consumer_id: order.consumerId, placed_by: actor.userId,
        currency: order.currency, total: formatMoney(order.total, order.currency), lines: lines.map((l) => ({ product_id: l.productId, sku: l.sku, quantity: l.quantity })),
      },
    });
    return toOrderDto({ ...order, supplierName: supplier.name, consumerName: consumer?.name ?? null }, record.lines, record.history);
  });
}
