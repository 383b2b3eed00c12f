import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { AdjustInventoryBody, Inventory, MovementPage, MovementsQuery } from './inventory.schemas.js';
import * as service from './inventory.service.js';

/** `/products/{id}/inventory` and its movement history (supplier staff). */
export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['inventory'];

  app.get('/products/:id/inventory', {
    schema: { tags, summary: 'Stock of a product: totals and each location', params: IdParams, response: { 200: Inventory, ...problems(401, 403, 404, 422) } },
    config: { permission: 'inventory:read' },
  }, async (req) => service.getInventory(req.ctx, req.params.id));

  app.patch('/products/:id/inventory', {
    schema: {
      tags, summary: 'Set or change on-hand stock at a location',
      description: 'Exactly one of `on_hand` (new quantity) or `delta` (change). Location defaults to the supplier\'s default location. '
        + 'The result must stay ≥ 0 and ≥ reserved, else 409 `STOCK_BELOW_RESERVED` and nothing changes. Writes a stock movement.',
      params: IdParams, body: AdjustInventoryBody, response: { 200: Inventory, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'inventory:adjust' },
  }, async (req) => service.adjustInventory(req.ctx, req.params.id, req.body));

  app.get('/products/:id/inventory/movements', {
    schema: { tags, summary: 'Stock movements of a product, newest first', params: IdParams, querystring: MovementsQuery, response: { 200: MovementPage, ...problems(401, 403, 404, 422) } },
    config: { permission: 'inventory:read' },
  }, async (req) => service.listMovements(req.ctx, req.params.id, req.query));
};
