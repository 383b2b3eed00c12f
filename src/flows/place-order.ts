/**
 * Placing an order: one transaction across organizations, links, customers, sales channels,
 * catalog, stock and orders.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { can, isPlatformAllowed, membershipOf, permits, assertCan, type Actor } from '../infra/access.js';
import { inTransaction, type Ctx } from '../infra/context.js';
import { AppError, conflict, forbidden, notFound, unauthorized, unprocessable, type FieldError } from '../infra/errors.js';
import { completeIdempotentRequest } from '../infra/idempotency.js';
import { formatMoney } from '../infra/money.js';
import { recordEvent } from '../infra/outbox.js';
import { problems } from '../infra/problem.js';
import { recordAudit } from '../modules/audit/index.js';
import { findProductsByIds } from '../modules/catalog/index.js';
import { findCustomer, findOrCreateCustomer, type CustomerRow } from '../modules/customers/index.js';
import { findUserByEmail } from '../modules/identity/index.js';
import { listAcceptedLinkConsumers } from '../modules/links/index.js';
import {
  computeTotals,
  createOrderRecord,
  movementsFor,
  Order,
  PlaceOrderBody,
  toOrderDto,
  type NewOrderLine,
  type OrderDto,
  type PlaceOrderInput,
} from '../modules/orders/index.js';
import { findActiveSupplier, findOrganization, type OrganizationRow } from '../modules/organizations/index.js';
import { ensureDefaultChannel, findChannel, type SalesChannelRow } from '../modules/sales-channels/index.js';
import { ensureDefaultLocation, findLocation, reserveStock } from '../modules/stock/index.js';

const noLink = () => forbidden('Your organization needs an accepted link with this supplier to order', 'NO_ACCEPTED_LINK');

/**
 * Who buys in a buyer order:
 * - `consumerId` given: the caller needs `orders:create` there (404 non-member, 403 role), it must
 *   be a consumer organization (422), and for a `linked` supplier it needs an accepted link (403
 *   `NO_ACCEPTED_LINK`);
 * - omitted: the one consumer organization of the caller (with `orders:create`) that has an
 *   accepted link (422 when several have one); else, for a `public` supplier, the caller as a
 *   person (null); else 403.
 */
async function resolveBuyer(ctx: Ctx, actor: Actor, supplier: OrganizationRow, consumerId: string | undefined): Promise<OrganizationRow | null> {
  if (consumerId) {
    assertCan(actor, 'orders:create', consumerId, 'Consumer');
    const consumer = await findOrganization(ctx, consumerId);
    if (!consumer || !consumer.isActive) throw notFound('Consumer');
    if (consumer.type !== 'consumer') throw unprocessable([{ path: 'body/consumer_id', message: 'must be a consumer organization' }]);
    if (supplier.catalogVisibility === 'linked' && (await listAcceptedLinkConsumers(ctx, [consumerId], supplier.id)).length === 0) throw noLink();
    return consumer;
  }
  const candidates = actor.memberships.filter((m) => m.organizationType === 'consumer' && permits(m.permissions, 'orders:create')).map((m) => m.organizationId);
  const linked = await listAcceptedLinkConsumers(ctx, candidates, supplier.id);
  if (linked.length > 1) {
    throw unprocessable([{ path: 'body/consumer_id', message: 'you buy for several organizations linked to this supplier: say which' }]);
  }
  if (linked.length === 1) return (await findOrganization(ctx, linked[0]))!;
  if (supplier.catalogVisibility === 'public') return null;
  throw noLink();
}

/**
 * True when this is a staff order (seeds 003/004): the caller is a member of the
 * supplier, or a platform admin naming a customer. Staff need `orders:create` in the supplier.
 * @throws 403 for a member whose role lacks `orders:create` (e.g. `employee`).
 */
function isStaffOrder(actor: Actor, supplierId: string, input: PlaceOrderInput): boolean {
  const namesCustomer = input.customer_id !== undefined || input.customer !== undefined;
  const staff = membershipOf(actor, supplierId) !== undefined || (namesCustomer && isPlatformAllowed(actor, 'orders:create'));
  if (staff && !can(actor, 'orders:create', supplierId)) {
    throw forbidden('Your role does not allow orders:create: only owners, managers and sales representatives place orders for customers');
  }
  return staff;
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
 * Places an order (`POST /api/v1/orders`), all in ONE transaction, so a rejected request writes
 * nothing (no order, reservation, event, customer record or channel; the order number sequence may
 * skip a value):
 * 1. the supplier (active supplier, else 404 `Supplier`);
 * 2. who buys:
 *    - **staff order** (the caller is a member of the supplier, or a platform admin naming a
 *      customer; needs `orders:create` there, else 403): exactly one of `customer_id` (a customer of
 *      this supplier, else 422 `body/customer_id`) or `customer {name, email?, phone?}` (found by
 *      email, else created with `findOrCreateCustomer`); `consumer_id` is refused (422: it comes
 *      from the customer record). `source = staff`, `placed_by` = the staff user, `consumer_id` =
 *      the customer's consumer organization or null;
 *    - **buyer order**: `resolveBuyer` (consumer organization or a person), and `customer_id` /
 *      `customer` are refused (422). The customer record is found or created: `{consumerId, name:
 *      organization name}` or `{userId, name: the user's full name, email}`. `source = buyer`;
 * 3. `channel_id` (an active channel of the supplier, else 422; default `ensureDefaultChannel`),
 *    `location_id` (an active location of the supplier, else 422; default the default location),
 *    products (each must be the supplier's, active, not archived: 422 `body/items/<i>/product_id`).
 *    All field errors are reported together in one 422;
 * 4. totals with `computeTotals`: the supplier's `tax_rate` on subtotal − discount, rounded half-up
 *    to the currency's minor unit; the delivery fee for `fulfilment = delivery` unless the subtotal
 *    reaches `free_delivery_threshold` (seed 002); shipping is not taxed. The order keeps `tax_rate`;
 *    lines keep SKU, name and unit price at sale. Addresses default to the customer record's;
 * 5. the pending order `ORD-<n>` with lines and a `null → pending` history row; the stock reserved
 *    at the location (`reserveStock`, product-id order: no deadlock, no oversell); an `order.placed`
 *    outbox event `{order_id, number, supplier_id, consumer_id, customer_id, channel_id, source,
 *    placed_by, currency, total (formatted decimal string), lines: [{product_id, sku, quantity}]}`.
 *
 * The answer includes `stock_movements` when the caller holds `inventory:read` in the supplier.
 * @throws 404 `Supplier` / `Consumer`; 403 `NO_ACCEPTED_LINK`, a consumer role without
 *   `orders:create`, or supplier staff without it; 422 `VALIDATION_FAILED` with per-field errors;
 *   409 `INSUFFICIENT_STOCK` with `details.lines: [{product_id, sku, requested, available}]` (every
 *   short line); 409 `IDEMPOTENCY_IN_PROGRESS` when the request's `Idempotency-Key` claim was taken
 *   over meanwhile (the order is rolled back: `completeIdempotentRequest`).
 */
export async function placeOrder(ctx: Ctx, input: PlaceOrderInput): Promise<OrderDto> {
  const actor = ctx.actor;
  if (!actor) throw unauthorized();
  const items = mergeItems(input.items);
  const fulfilment = input.fulfilment ?? 'delivery';
  return inTransaction(ctx, async (tx) => {
    const supplier = await findActiveSupplier(tx, input.supplier_id);
    const staff = isStaffOrder(actor, supplier.id, input);

    // Who buys. Reads and checks only: nothing is written before every input is known valid.
    const errors: FieldError[] = [];
    let consumer: OrganizationRow | null = null;
    let chosenCustomer: CustomerRow | undefined;
    if (staff) {
      if (input.consumer_id !== undefined) {
        errors.push({ path: 'body/consumer_id', message: 'a staff order takes its consumer from the customer record: send customer_id or customer' });
      }
      if (input.customer_id !== undefined && input.customer !== undefined) {
        errors.push({ path: 'body/customer', message: 'send customer_id or customer, not both' });
      } else if (input.customer_id !== undefined) {
        chosenCustomer = await findCustomer(tx, supplier.id, input.customer_id);
        if (!chosenCustomer) errors.push({ path: 'body/customer_id', message: 'no such customer at this supplier' });
      } else if (input.customer === undefined) {
        errors.push({ path: 'body/customer_id', message: 'a staff order needs customer_id or customer' });
      }
    } else {
      const notYours = "only the supplier's staff place orders for a customer; a buyer orders for themself or with consumer_id";
      if (input.customer_id !== undefined) errors.push({ path: 'body/customer_id', message: notYours });
      if (input.customer !== undefined) errors.push({ path: 'body/customer', message: notYours });
      if (errors.length > 0) throw unprocessable(errors);
      consumer = await resolveBuyer(tx, actor, supplier, input.consumer_id);
    }

    let channel: SalesChannelRow | undefined;
    if (input.channel_id !== undefined) {
      channel = await findChannel(tx, supplier.id, input.channel_id);
      if (!channel) errors.push({ path: 'body/channel_id', message: 'no such sales channel at this supplier' });
      else if (!channel.isActive) errors.push({ path: 'body/channel_id', message: `sales channel "${channel.name}" is not active` });
    }
    let location: { id: string } | undefined;
    if (input.location_id !== undefined) {
      const found = await findLocation(tx, supplier.id, input.location_id);
      if (!found) errors.push({ path: 'body/location_id', message: 'no such stock location at this supplier' });
      else if (!found.isActive) errors.push({ path: 'body/location_id', message: `stock location "${found.name}" is not active` });
      else location = found;
    }

    const found = new Map(
      (
        await findProductsByIds(
          tx,
          items.map((i) => i.productId),
        )
      ).map((p) => [p.id, p]),
    );
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
    if (errors.length > 0) throw unprocessable(errors, 'The order cannot be placed as sent');

    // Writes, in one fixed order (customer, channel, location, order, stock): concurrent
    // placements wait on each other's first-use inserts in the same order, so they cannot deadlock.
    const addresses = { shippingAddress: input.shipping_address ?? null, billingAddress: input.billing_address ?? null };
    let customer: CustomerRow;
    if (staff) {
      customer =
        chosenCustomer ??
        (await findOrCreateCustomer(tx, {
          supplierId: supplier.id,
          name: input.customer!.name,
          email: input.customer!.email ?? null,
          phone: input.customer!.phone ?? null,
          ...addresses,
        }));
    } else if (consumer) {
      customer = await findOrCreateCustomer(tx, { supplierId: supplier.id, consumerId: consumer.id, name: consumer.name, ...addresses });
    } else {
      const user = await findUserByEmail(tx, actor.email);
      customer = await findOrCreateCustomer(tx, {
        supplierId: supplier.id,
        userId: actor.userId,
        name: user?.fullName ?? actor.email,
        email: actor.email,
        phone: user?.phone ?? null,
        ...addresses,
      });
    }
    const consumerId = staff ? customer.consumerId : (consumer?.id ?? null);
    channel ??= await ensureDefaultChannel(tx, supplier.id);
    location ??= await ensureDefaultLocation(tx, supplier.id);

    const totals = computeTotals(lines, {
      currency: supplier.currency,
      taxRate: supplier.taxRate,
      fulfilment,
      deliveryFee: supplier.deliveryFee,
      freeDeliveryThreshold: supplier.freeDeliveryThreshold,
    });
    const record = await createOrderRecord(tx, {
      supplierId: supplier.id,
      consumerId,
      placedBy: actor.userId,
      customerId: customer.id,
      channelId: channel.id,
      source: staff ? 'staff' : 'buyer',
      locationId: location.id,
      fulfilment,
      shippingAddress: input.shipping_address ?? customer.shippingAddress ?? null,
      billingAddress: input.billing_address ?? customer.billingAddress ?? null,
      currency: supplier.currency,
      taxRate: supplier.taxRate,
      totals,
      notes: input.notes ?? null,
      lines,
    });
    const order = record.order;
    try {
      await reserveStock(tx, {
        locationId: location.id,
        orderId: order.id,
        supplierId: supplier.id,
        lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, sku: l.sku })),
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'INSUFFICIENT_STOCK') {
        const short = (err.extra.details as { lines: { product_id: string; requested: number; available: number }[] }).lines.map((s) => ({
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
    if (staff) {
      await recordAudit(tx, {
        organizationId: supplier.id,
        entityType: 'order',
        entityId: order.id,
        action: 'order.created',
        changes: { number: order.number, customer_id: order.customerId, channel_id: order.channelId, total: order.total, currency: order.currency },
      });
    }
    await recordEvent(tx, {
      type: 'order.placed',
      aggregateType: 'order',
      aggregateId: order.id,
      organizationId: supplier.id,
      payload: {
        version: 1,
        order_id: order.id,
        number: order.number,
        supplier_id: supplier.id,
        consumer_id: order.consumerId,
        customer_id: order.customerId,
        channel_id: order.channelId,
        source: order.source,
        placed_by: actor.userId,
        currency: order.currency,
        total: formatMoney(order.total, order.currency),
        lines: lines.map((l) => ({ product_id: l.productId, sku: l.sku, quantity: l.quantity })),
      },
    });
    const movements = await movementsFor(tx, supplier.id, order.id);
    const dto = toOrderDto(order, record.lines, record.history, movements);
    // Last: the answer a retry with the same Idempotency-Key replays commits with the order.
    await completeIdempotentRequest(tx, 201, dto);
    return dto;
  });
}

/**
 * `POST /orders`, the flow's route (registered by the app next to the orders module, which owns the
 * other `/orders` routes). It declares no permission: a person without an organization may buy
 * from a public supplier; `placeOrder` checks permissions in the order's organizations.
 */
export const placeOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];

  app.post(
    '/orders',
    {
      config: { idempotent: true },
      schema: {
        operationId: 'placeOrder',
        tags,
        summary: 'Place an order with one supplier; stock is reserved',
        description:
          "**Buyer order**: buys for `consumer_id` (needs `orders:create` there and, for a linked supplier, an accepted link), or for the caller's linked consumer organization, " +
          "or as a person from a public supplier; `customer_id` / `customer` are refused (422). The supplier's customer record of the buyer is found or created. " +
          '**Staff order**: a member of the supplier with `orders:create` (owner, manager, sales; 403 otherwise) orders for exactly one of `customer_id` ' +
          '(a customer of the supplier) or `customer {name, email?, phone?}` (found by email, else created); without either, or with `consumer_id`, 422. ' +
          'Both may choose `channel_id` (an active channel of the supplier; default the default channel), `location_id` (an active location of the supplier where the stock ' +
          "is reserved; default the default location), `fulfilment` (`delivery` default, `pickup`) and free-text addresses (default: the customer record's). " +
          "Totals: the supplier's `tax_rate` applies to subtotal − discount, rounded half-up to the currency's minor unit; a delivery order pays `delivery_fee` unless " +
          'its subtotal reaches `free_delivery_threshold`; pickup pays none; shipping is not taxed; total = subtotal − discount + tax + shipping. ' +
          'Lines of the same product are merged; prices are copied from the products. Not enough stock answers 409 `INSUFFICIENT_STOCK` with the short lines. ' +
          'A rejected request writes nothing (no order, reservation, customer record or channel). `stock_movements` is included for staff with `inventory:read`. ' +
          'Send an `Idempotency-Key` to retry safely: the same key and body replay the first answer (201 or 4xx) with `Idempotent-Replayed: true`.',
        body: PlaceOrderBody,
        response: { 201: Order, ...problems(400, 401, 404, 422, { 403: ['FORBIDDEN', 'NO_ACCEPTED_LINK'], 409: ['INSUFFICIENT_STOCK'] }) },
      },
    },
    async (req, reply) => reply.code(201).send(await placeOrder(req.ctx, req.body)),
  );
};
