import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import {
  CancelBody,
  ChangeStatusBody,
  CustomerOrdersQuery,
  ListOrdersQuery,
  Order,
  OrderPage,
  ProductOrderPage,
  ProductOrdersQuery,
} from './orders.schemas.js';
import * as service from './orders.service.js';

/**
 * `/orders`: reading and moving orders through their lifecycle (placing one, `POST /orders`, is the
 * place-order flow's route); `/products/{id}/orders` and `/customers/{id}/orders`: sales of a
 * product, orders of a customer. The `/orders` routes declare no permission: a person without an
 * organization may cancel their own pending order; the service checks permissions in the order's
 * organizations.
 */
export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];

  app.get(
    '/orders',
    {
      schema: {
        operationId: 'listOrders',
        tags,
        summary: 'Orders the caller may see, newest first, with filters',
        description:
          'Orders the caller placed, of consumer organizations and of suppliers where they hold `orders:read`; platform admins see all. ' +
          'Filters (combined with AND): `status`, `supplier_id`, `consumer_id`, `customer_id`, `channel_id`, `number` (exact), `created_from` / `created_to` ' +
          '(a date `YYYY-MM-DD` or an ISO 8601 date-time, UTC when no offset; bounds inclusive, a date-only `created_to` includes that whole day; from after to: 422). ' +
          'Two queries whatever the page size.',
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, ...problems(401, 422) },
      },
    },
    async (req) => service.listOrders(req.ctx, req.query),
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        operationId: 'getOrder',
        tags,
        summary: 'One order with its lines, status history, customer and channel',
        description:
          "Visible to its buyer side (the placer, members of its consumer organization) and to its supplier's members with `orders:read`; anyone else 404. " +
          "`stock_movements` (reservation, sale, release with on-hand and reserved before/after) is present only for supplier staff with `inventory:read` in the order's " +
          "supplier: a buyer never sees the supplier's stock figures.",
        params: IdParams,
        response: { 200: Order, ...problems(401, 404, 422) },
      },
    },
    async (req) => service.getOrder(req.ctx, req.params.id),
  );

  app.get(
    '/products/:id/orders',
    {
      config: { permission: 'orders:read' },
      schema: {
        operationId: 'listProductOrders',
        tags: ['orders', 'products'],
        summary: 'Who bought a product: its order lines, newest first',
        description:
          "For supplier staff with `orders:read` in the product's supplier (another supplier's product: 404; a member " +
          'without the permission: 403). Each row: the order (id, number, status, created_at), its customer (id, name, or null), quantity, unit price and line total in ' +
          "the order's currency. Optional `status` filter. Archived products keep their history. Bounded queries whatever the page size.",
        params: IdParams,
        querystring: ProductOrdersQuery,
        response: { 200: ProductOrderPage, ...problems(401, 403, 404, 422) },
      },
    },
    async (req) => service.listProductOrders(req.ctx, req.params.id, req.query),
  );

  app.get(
    '/customers/:id/orders',
    {
      schema: {
        operationId: 'listCustomerOrders',
        tags: ['orders', 'customers'],
        summary: 'The orders of one customer, newest first',
        description:
          "For staff with `customers:read` or `orders:read` in the customer's supplier (another supplier's customer: 404; a member " +
          'with neither permission: 403). Optional `status` filter. Same items as `GET /orders`.',
        params: IdParams,
        querystring: CustomerOrdersQuery,
        response: { 200: OrderPage, ...problems(401, 403, 404, 422) },
      },
    },
    async (req) => service.listCustomerOrders(req.ctx, req.params.id, req.query),
  );

  app.patch(
    '/orders/:id/status',
    {
      schema: {
        operationId: 'changeOrderStatus',
        tags,
        summary: 'Move an order to another status',
        description:
          'pending → accepted | rejected (`orders:decide`), pending → cancelled (the buyer, or `orders:decide`); accepted → in_progress | cancelled, ' +
          'in_progress → ready | completed | cancelled, ready → shipped | completed | cancelled, shipped → delivered, delivered → completed (`orders:update_status`); ' +
          'delivered | completed → refunded (`orders:refund`). Shipping or completing deducts the reserved stock, cancelling or rejecting releases it. ' +
          'Any other pair answers 409 `INVALID_STATUS_TRANSITION`; the buyer may only cancel (403 otherwise, `ORDER_NOT_CANCELLABLE` once accepted).',
        params: IdParams,
        body: ChangeStatusBody,
        response: {
          200: Order,
          ...problems(400, 401, 404, 422, {
            403: ['FORBIDDEN', 'ORDER_NOT_CANCELLABLE'],
            409: ['INVALID_STATUS_TRANSITION', 'CONCURRENT_UPDATE', 'STOCK_NOT_RESERVED'],
          }),
        },
      },
    },
    async (req) => service.changeStatus(req.ctx, req.params.id, req.body),
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        operationId: 'cancelOrder',
        tags,
        summary: 'Cancel an order; its reservation is released',
        description:
          'The buyer (the placer, or a consumer member with `orders:cancel`) may cancel while the order is pending (403 `ORDER_NOT_CANCELLABLE` after); supplier staff as the status table allows. `reason` becomes the history note.',
        params: IdParams,
        body: CancelBody,
        response: {
          200: Order,
          ...problems(400, 401, 404, 422, {
            403: ['FORBIDDEN', 'ORDER_NOT_CANCELLABLE'],
            409: ['INVALID_STATUS_TRANSITION', 'CONCURRENT_UPDATE', 'STOCK_NOT_RESERVED'],
          }),
        },
      },
      // The body is optional: no body means no reason.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) (req as { body: unknown }).body = {};
      },
    },
    async (req) => service.cancelOrder(req.ctx, req.params.id, req.body?.reason),
  );
};
