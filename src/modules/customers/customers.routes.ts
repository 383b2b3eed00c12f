import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { CreateCustomerBody, Customer, CustomerPage, ListCustomersQuery, UpdateCustomerBody } from './customers.schemas.js';
import * as service from './customers.service.js';

const FIGURES =
  '`order_count` counts every order of the customer; `total_spent` sums the `total` of its orders that are not ' +
  "cancelled, rejected or refunded, in `currency` (the supplier's). Both are computed from the orders when read.";

/** `/customers`: a supplier's records of who buys from it. */
export const customersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['customers'];

  app.post(
    '/customers',
    {
      schema: {
        operationId: 'createCustomer',
        tags,
        summary: 'Record a customer of the supplier (owner, manager, sales)',
        description:
          '`supplier_id` is needed only when the caller belongs to several suppliers. The email is stored lower-cased and ' +
          "is unique among the supplier's customers (409 `CUSTOMER_EMAIL_TAKEN`). `user_id` and `consumer` are read-only: they are " +
          'set when a user or a consumer organization orders. Customers cannot be deleted (orders point at them).',
        body: CreateCustomerBody,
        response: { 201: Customer, ...problems(400, 401, 403, 404, 422, { 409: ['CUSTOMER_EMAIL_TAKEN'] }) },
      },
      config: { permission: 'customers:manage' },
    },
    async (req, reply) => reply.code(201).send(await service.createCustomer(req.ctx, req.body)),
  );

  app.get(
    '/customers',
    {
      schema: {
        operationId: 'listCustomers',
        tags,
        summary: "The supplier's customers, with order count and total spent",
        description:
          '`q` matches name or email, case-insensitively (`%` and `_` match themselves). `sort`: name (default) or ' +
          `created_at, \`-\` for descending. ${FIGURES}`,
        querystring: ListCustomersQuery,
        response: { 200: CustomerPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'customers:read' },
    },
    async (req) => service.listCustomers(req.ctx, req.query),
  );

  app.get(
    '/customers/:id',
    {
      schema: {
        operationId: 'getCustomer',
        tags,
        summary: 'One customer, with order count and total spent',
        description: `${FIGURES} Another supplier's customer answers 404.`,
        params: IdParams,
        response: { 200: Customer, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'customers:read' },
    },
    async (req) => service.getCustomer(req.ctx, req.params.id),
  );

  app.patch(
    '/customers/:id',
    {
      schema: {
        operationId: 'updateCustomer',
        tags,
        summary: 'Change a customer (owner, manager, sales)',
        description:
          "Partial; `null` clears email, phone, addresses and notes. A new email must be free among the supplier's " +
          'customers (409 `CUSTOMER_EMAIL_TAKEN`). `user_id` and `consumer` cannot be changed. There is no DELETE: orders point at ' +
          'their customer.',
        params: IdParams,
        body: UpdateCustomerBody,
        response: { 200: Customer, ...problems(400, 401, 403, 404, 422, { 409: ['CUSTOMER_EMAIL_TAKEN'] }) },
      },
      config: { permission: 'customers:manage' },
    },
    async (req) => service.updateCustomer(req.ctx, req.params.id, req.body),
  );
};
