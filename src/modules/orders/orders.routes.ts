import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { placeOrder } from '../../flows/place-order.js';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { CancelBody, ChangeStatusBody, ListOrdersQuery, Order, OrderPage, PlaceOrderBody } from './orders.schemas.js';
import * as service from './orders.service.js';

/**
 * `/orders`: placing, reading and moving orders through their lifecycle. No route declares a
 * permission: a customer (no organization) may buy from a public supplier and cancel their own
 * pending order; the flow and the service check permissions in the order's organizations.
 */
export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];

  app.post('/orders', {
    schema: {
      tags, summary: 'Place an order with one supplier; stock is reserved',
      description: 'Buys for `consumer_id` (needs `orders:create` there and, for a linked supplier, an accepted link), or for the caller\'s linked consumer organization, or as a customer from a public supplier. '
        + 'Lines of the same product are merged; prices are copied from the products. Not enough stock answers 409 `INSUFFICIENT_STOCK` with the short lines, and nothing is written.',
      body: PlaceOrderBody, response: { 201: Order, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (req, reply) => reply.code(201).send(await placeOrder(req.ctx, req.body)));

  app.get('/orders', {
    schema: {
      tags, summary: 'Orders the caller may see, newest first',
      description: 'Orders the caller placed, of consumer organizations and of suppliers where they hold `orders:read`; platform admins see all.',
      querystring: ListOrdersQuery, response: { 200: OrderPage, ...problems(401, 422) },
    },
  }, async (req) => service.listOrders(req.ctx, req.query));

  app.get('/orders/:id', {
    schema: { tags, summary: 'One order with its lines and status history', params: IdParams, response: { 200: Order, ...problems(401, 404, 422) } },
  }, async (req) => service.getOrder(req.ctx, req.params.id));

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
