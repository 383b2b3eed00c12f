/**
 * How an order is shown: the API shape of an order (detail and list item) and the rule for who sees
 * its stock movements.
 */
import { can, type Actor } from '../../infra/access.js';
import type { Ctx } from '../../infra/context.js';
import { formatMoney } from '../../infra/money.js';
import { formatTaxRate } from '../organizations/index.js';
import { listOrderMovements, type MovementRow } from '../stock/index.js';
import type * as repo from './orders.repo.js';
import type { OrderDto } from './orders.schemas.js';
import type { OrderStatus } from './orders.tables.js';

type OrderHead = repo.OrderWithParties;

/** An order's tax rate as the API shows it: the same form as the supplier setting ("17.00"). */
export const formatRate = (rate: string) => formatTaxRate(rate);

/** The fields every order answer has (detail and list items), amounts formatted in its currency. */
export function orderFields(o: OrderHead) {
  const m = (v: string) => formatMoney(v, o.currency);
  return {
    id: o.id,
    number: o.number,
    status: o.status,
    stock_state: o.stockState,
    source: o.source,
    supplier: { id: o.supplierId, name: o.supplierName },
    consumer: o.consumerId ? { id: o.consumerId, name: o.consumerName ?? '' } : null,
    customer: o.customerId ? { id: o.customerId, name: o.customerName ?? '', email: o.customerEmail } : null,
    channel: o.channelId ? { id: o.channelId, name: o.channelName ?? '' } : null,
    placed_by: o.placedBy,
    location_id: o.locationId,
    fulfilment: o.fulfilment,
    shipping_address: o.shippingAddress,
    billing_address: o.billingAddress,
    currency: o.currency,
    subtotal: m(o.subtotal),
    tax_rate: formatRate(o.taxRate),
    tax_total: m(o.taxTotal),
    shipping_total: m(o.shippingTotal),
    discount_total: m(o.discountTotal),
    total: m(o.total),
    notes: o.notes,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/**
 * API shape of an order with its lines and status history; amounts formatted in its currency.
 * `movements` (the order's stock movements) is included only when given: pass it only to supplier
 * staff with `inventory:read` (`mayReadOrderStock`), never to the buyer.
 */
export function toOrderDto(o: OrderHead, lines: repo.OrderLineRow[], history: repo.StatusHistoryRow[], movements?: MovementRow[]): OrderDto {
  const dto: OrderDto = {
    ...orderFields(o),
    lines: lines.map((l) => ({
      id: l.id,
      product_id: l.productId,
      sku: l.sku,
      name: l.name,
      unit_price: formatMoney(l.unitPrice, o.currency),
      quantity: l.quantity,
      line_total: formatMoney(l.lineTotal, o.currency),
    })),
    status_history: history.map((h) => ({
      from_status: h.fromStatus as OrderStatus | null,
      to_status: h.toStatus as OrderStatus,
      note: h.note,
      actor_id: h.actorId,
      created_at: h.createdAt.toISOString(),
    })),
  };
  if (movements) {
    dto.stock_movements = movements.map((mv) => ({
      id: mv.id,
      product_id: mv.productId,
      location_id: mv.locationId,
      reason: mv.reason,
      on_hand_before: mv.onHandBefore,
      on_hand_after: mv.onHandAfter,
      reserved_before: mv.reservedBefore,
      reserved_after: mv.reservedAfter,
      actor_id: mv.actorId,
      created_at: mv.createdAt.toISOString(),
    }));
  }
  return dto;
}

/**
 * True when the actor may see an order's stock movements: supplier staff (or a platform admin)
 * with `inventory:read` in the order's supplier. Buyers never see them (they reveal on-hand figures).
 */
export const mayReadOrderStock = (actor: Actor | null, supplierId: string) => can(actor, 'inventory:read', supplierId);

/** The order's stock movements when `ctx.actor` may read them (`mayReadOrderStock`; one query), else undefined. */
export async function movementsFor(ctx: Ctx, supplierId: string, orderId: string): Promise<MovementRow[] | undefined> {
  return mayReadOrderStock(ctx.actor, supplierId) ? listOrderMovements(ctx, orderId) : undefined;
}
