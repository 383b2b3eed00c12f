import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { placeOrder } from '../../flows/place-order.js';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import {
  CancelBody, ChangeStatusBody, CustomerOrdersQuery, ListOrdersQuery, Order, OrderPage, PlaceOrderBody, ProductOrderPage, ProductOrdersQuery,
} from './orders.schemas.js';
import * as service from './orders.service.js';

/**
 * `/orders`: placing, reading and moving orders through their lifecycle; `/products/{id}/orders`
 * and `/customers/{id}/orders`: sales of a product, orders of a customer. The `/orders` routes
 * declare no permission: a person without an organization may buy from a public supplier and
 * cancel their own pending order; the flow and the service check permissions in the order's
 * organizations.
 */
export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];

  app.post('/orders', {
    schema: {
      tags, summary: 'Place an order with one supplier; stock is reserved',
      description: '**Buyer order**: buys for `consumer_id` (needs `orders:create` there and, for a linked supplier, an accepted link), or for the caller\'s linked consumer organization, '
        + 'or as a person from a public supplier; `customer_id` / `customer` are refused (422). The supplier\'s customer record of the buyer is found or created. '
        + '**Staff order** (seeds 003, 004): a member of the supplier with `orders:create` (owner, manager, sales; 403 otherwise) orders for exactly one of `customer_id` '
        + '(a customer of the supplier) or `customer {name, email?, phone?}` (found by email, else created); without either, or with `consumer_id`, 422. '
        + 'Both may choose `channel_id` (an active channel of the supplier; default the default channel), `location_id` (an active location of the supplier where the stock '
        + 'is reserved; default the default location), `fulfilment` (`delivery` default, `pickup`) and free-text addresses (default: the customer record\'s). '
        + 'Totals: the supplier\'s `tax_rate` applies to subtotal − discount, rounded half-up to the currency\'s minor unit; a delivery order pays `delivery_fee` unless '
        + 'its subtotal reaches `free_delivery_threshold`; pickup pays none; shipping is not taxed; total = subtotal − discount + tax + shipping. '
        + 'Lines of the same product are merged; prices are copied from the products. Not enough stock answers 409 `INSUFFICIENT_STOCK` with the short lines. '
        + 'A rejected request writes nothing (no order, reservation, customer record or channel). `stock_movements` is included for staff with `inventory:read`.',
      body: PlaceOrderBody, response: { 201: Order, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (req, reply) => reply.code(201).send(await placeOrder(req.ctx, req.body)));

  app.get('/orders', {
    schema: {
      tags, summary: 'Orders the caller may see, newest first, with filters',
      description: 'Orders the caller placed, of consumer organizations and of suppliers where they hold `orders:read`; platform admins see all. '
        + 'Filters (combined with AND): `status`, `supplier_id`, `consumer_id`, `customer_id`, `channel_id`, `number` (exact), `created_from` / `created_to` '
        + '(a date `YYYY-MM-DD` or an ISO 8601 date-time, UTC when no offset; bounds inclusive, a date-only `created_to` includes that whole day; from after to: 422). '
        + 'Two queries whatever the page size.',
      querystring: ListOrdersQuery, response: { 200: OrderPage, ...problems(401, 422) },
    },
  }, async (req) => service.listOrders(req.ctx, req.query));

  app.get('/orders/:id', {
    schema: {
      tags, summary: 'One order with its lines, status history, customer and channel',
      description: 'Visible to its buyer side (the placer, members of its consumer organization) and to its supplier\'s members with `orders:read`; anyone else 404. '
        + '`stock_movements` (reservation, sale, release with on-hand and reserved before/after) is present only for supplier staff with `inventory:read` in the order\'s '
        + 'supplier: a buyer never sees the supplier\'s stock figures.',
      params: IdParams, response: { 200: Order, ...problems(401, 404, 422) },
    },
  }, async (req) => service.getOrder(req.ctx, req.params.id));

  app.get('/products/:id/orders', {
    config: { permission: 'orders:read' },
    schema: {
      tags: ['orders', 'products'], summary: 'Who bought a product: its order lines, newest first',
      description: 'Seed 004 "who bought this product". For supplier staff with `orders:read` in the product\'s supplier (another supplier\'s product: 404; a member '
        + 'without the permission: 403). Each row: the order (id, number, status, created_at), its customer (id, name, or null), quantity, unit price and line total in '
        + 'the order\'s currency. Optional `status` filter. Archived products keep their history. Bounded queries whatever the page size.',
      params: IdParams, querystring: ProductOrdersQuery, response: { 200: ProductOrderPage, ...problems(401, 403, 404, 422) },
    },
  }, async (req) => service.listProductOrders(req.ctx, req.params.id, req.query));

  app.get('/customers/:id/orders', {
    schema: {
      tags: ['orders', 'customers'], summary: 'The orders of one customer, newest first',
      description: 'Seed 004 "orders by customer". For staff with `customers:read` or `orders:read` in the customer\'s supplier (another supplier\'s customer: 404; a member '
        + 'with neither permission: 403). Optional `status` filter. Same items as `GET /orders`.',
      params: IdParams, querystring: CustomerOrdersQuery, response: { 200: OrderPage, ...problems(401, 403, 404, 422) },
    },
  }, async (req) => service.listCustomerOrders(req.ctx, req.params.id, req.query));

  app.patch('/orders/:id/status', {
    schema: {
      tags, summary: 'Move an order to another status',
      description: 'pending → accepted | rejected (`orders:decide`), pending → cancelled (the buyer, or `orders:decide`); accepted → in_progress | cancelled, '
        + 'in_progress → ready | completed | cancelled, ready → shipped | completed | cancelled, shipped → delivered, delivered → completed (`orders:update_status`); '
        + 'delivered | completed → refunded (`orders:refund`). Shipping or completing deducts the reserved stock, cancelling or rejecting releases it. '
        + 'Any other pair answers 409 `INVALID_STATUS_TRANSITION`; the buyer may only cancel (403 otherwise, `ORDER_NOT_CANCELLABLE` once accepted).',
      params: IdParams, body: ChangeStatusBody, response: { 200: Order, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (req) => service.changeStatus(req.ctx, req.params.id, req.body));

  app.post('/orders/:id/cancel', {
    schema: {
      tags, summary: 'Cancel an order; its reservation is released',
      description: 'The buyer (the placer, or a consumer member with `orders:cancel`) may cancel while the order is pending (403 `ORDER_NOT_CANCELLABLE` after); supplier staff as the status table allows. `reason` becomes the history note.',
      params: IdParams, body: CancelBody, response: { 200: Order, ...problems(400, 401, 403, 404, 409, 422) },
    },
    // The body is optional: no body means no reason.
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) (req as { body: unknown }).body = {};
    },
  }, async (req) => service.cancelOrder(req.ctx, req.params.id, req.body?.reason));
};
