import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import * as locations from './inventory.locations.js';
import {
  AdjustInventoryBody,
  CreateLocationBody,
  Inventory,
  ListLocationsQuery,
  ListMovementsQuery,
  ListStockLevelsQuery,
  Location,
  LocationPage,
  MAX_TRANSFER_LINES,
  MovementPage,
  MovementsQuery,
  StockLevelPage,
  Transfer,
  TransferBody,
  UpdateLocationBody,
} from './inventory.schemas.js';
import * as service from './inventory.service.js';
import * as transfers from './inventory.transfers.js';

const MOVEMENT_FILTERS =
  'Filters: `location_id`, `reason`, `transfer_id`, `from` and `to` (ISO dates or date-times, UTC without an offset; ' +
  'both inclusive, a date-only `to` covers that whole day; `from` after `to` is 422). Newest first; each movement names its product ' +
  '`{id, sku, name}` and location `{id, name}`, with `delta_on_hand`, `delta_reserved` and before/after values in whole units.';

/**
 * `/locations` (a supplier's warehouses, branches, stores), `/inventory` (stock levels, transfers,
 * movement history) and `/products/{id}/inventory` (one product's stock; supplier staff).
 */
export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['inventory'];
  const locationTags = ['locations'];

  /* ---------- locations ---------- */

  app.post(
    '/locations',
    {
      schema: {
        operationId: 'createLocation',
        tags: locationTags,
        summary: 'Create a stock location (owner or manager)',
        description:
          '`supplier_id` is needed only when the caller manages several suppliers. Names are unique per supplier, ' +
          "case-insensitively (409 `LOCATION_NAME_TAKEN`). `kind` is warehouse (default), branch or store. The supplier's first location " +
          'is always its default; `is_default: true` moves the default here (the previous default is unset in the same transaction). ' +
          'The default must be active (422).',
        body: CreateLocationBody,
        response: { 201: Location, ...problems(400, 401, 403, 404, 422, { 409: ['LOCATION_NAME_TAKEN', 'CONCURRENT_UPDATE'] }) },
      },
      config: { permission: 'locations:manage' },
    },
    async (req, reply) => reply.code(201).send(await locations.createLocation(req.ctx, req.body)),
  );

  app.get(
    '/locations',
    {
      schema: {
        operationId: 'listLocations',
        tags: locationTags,
        summary: "The supplier's stock locations",
        description:
          'Default first, then by name. Filters `is_active`, `kind`. `supplier_id` is needed only when the caller is staff of several suppliers (422 otherwise).',
        querystring: ListLocationsQuery,
        response: { 200: LocationPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'locations:read' },
    },
    async (req) => locations.listLocations(req.ctx, req.query),
  );

  app.get(
    '/locations/:id',
    {
      schema: {
        operationId: 'getLocation',
        tags: locationTags,
        summary: 'One stock location',
        description: "Another supplier's location answers 404.",
        params: IdParams,
        response: { 200: Location, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'locations:read' },
    },
    async (req) => locations.getLocation(req.ctx, req.params.id),
  );

  app.patch(
    '/locations/:id',
    {
      schema: {
        operationId: 'updateLocation',
        tags: locationTags,
        summary: 'Change a stock location (owner or manager)',
        description:
          'Partial; `address: null` clears it. `is_default: true` makes it the default and unsets the previous one in the same ' +
          'transaction; `is_default: false` on the default is 409 `DEFAULT_LOCATION_REQUIRED` (make another one the default instead). ' +
          'The default cannot be deactivated, and an inactive location cannot become the default unless `is_active: true` comes with it ' +
          '(409 `DEFAULT_LOCATION_INACTIVE`). A duplicate name is 409 `LOCATION_NAME_TAKEN`. A deactivated location keeps its stock, ' +
          'which cannot be adjusted or transferred until it is active again.',
        params: IdParams,
        body: UpdateLocationBody,
        response: {
          200: Location,
          ...problems(400, 401, 403, 404, 422, { 409: ['LOCATION_NAME_TAKEN', 'DEFAULT_LOCATION_REQUIRED', 'DEFAULT_LOCATION_INACTIVE', 'CONCURRENT_UPDATE'] }),
        },
      },
      config: { permission: 'locations:manage' },
    },
    async (req) => locations.updateLocation(req.ctx, req.params.id, req.body),
  );

  /* ---------- stock levels, transfers, history ---------- */

  app.get(
    '/inventory',
    {
      schema: {
        operationId: 'listStockLevels',
        tags,
        summary: 'Stock levels: one row per product and location',
        description:
          "The supplier's stock levels (products not archived), by product name then location (default first). " +
          '`low_stock` is available ≤ reorder_point; `low_stock=true` lists only those, `false` only the others. Filters `location_id`, ' +
          '`product_id`, `q` (part of the product name or SKU). `supplier_id` is needed only when the caller is staff of several suppliers.',
        querystring: ListStockLevelsQuery,
        response: { 200: StockLevelPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'inventory:read' },
    },
    async (req) => service.listStockLevels(req.ctx, req.query),
  );

  app.post(
    '/inventory/transfers',
    {
      schema: {
        operationId: 'transferStock',
        tags,
        summary: 'Move stock between two locations (owner or manager)',
        description:
          `Both locations must be active locations of the supplier and differ; products must be the supplier's and not archived (422). ` +
          `Up to ${MAX_TRANSFER_LINES} lines; lines of one product are merged. Only available units (on_hand − reserved) leave the source; ` +
          'a short line makes the whole transfer fail with 409 `INSUFFICIENT_STOCK` listing every short line in `details.lines` ' +
          '(`{product_id, sku, requested, available}`), and nothing is written. On success one transaction writes, per product, a `transfer` ' +
          'movement out of the source and one into the destination (its level created when missing), sharing `transfer_id`.',
        body: TransferBody,
        response: { 201: Transfer, ...problems(400, 401, 403, 404, 422, { 409: ['INSUFFICIENT_STOCK'] }) },
      },
      config: { permission: 'inventory:adjust' },
    },
    async (req, reply) => reply.code(201).send(await transfers.transferStock(req.ctx, req.body)),
  );

  app.get(
    '/inventory/movements',
    {
      schema: {
        operationId: 'listStockMovements',
        tags,
        summary: 'Stock movement history of the supplier',
        description: `Every change of stock: initial, restock, adjustment, return, sale, reservation, release, transfer. Also \`product_id\`. ${MOVEMENT_FILTERS}`,
        querystring: ListMovementsQuery,
        response: { 200: MovementPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'inventory:read' },
    },
    async (req) => service.listSupplierMovements(req.ctx, req.query),
  );

  /* ---------- one product ---------- */

  app.get(
    '/products/:id/inventory',
    {
      schema: {
        operationId: 'getProductInventory',
        tags,
        summary: 'Stock of a product: totals and each location',
        description: 'Totals over every location of the supplier, and each location with its reorder point (zeros where the product has no stock yet).',
        params: IdParams,
        response: { 200: Inventory, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'inventory:read' },
    },
    async (req) => service.getInventory(req.ctx, req.params.id),
  );

  app.patch(
    '/products/:id/inventory',
    {
      schema: {
        operationId: 'adjustProductInventory',
        tags,
        summary: 'Change on-hand stock or the reorder point at a location',
        description:
          "Location defaults to the supplier's default location and must be an active location of the supplier (422). " +
          'A stock change gives one of `on_hand` (new quantity) or `delta` (non-zero change) with a `reason`: `restock` or `return` ' +
          '(these only add stock) or `adjustment`; the system reasons (initial, sale, reservation, release, transfer) are refused (422). ' +
          'The result must stay ≥ 0 and ≥ reserved, else 409 `STOCK_BELOW_RESERVED` and nothing changes. A stock change writes a movement. ' +
          '`reorder_point` (alone or with a stock change) sets the low-stock threshold of the location: low when available ≤ reorder_point.',
        params: IdParams,
        body: AdjustInventoryBody,
        response: { 200: Inventory, ...problems(400, 401, 403, 404, 422, { 409: ['STOCK_BELOW_RESERVED'] }) },
      },
      config: { permission: 'inventory:adjust' },
    },
    async (req) => service.adjustInventory(req.ctx, req.params.id, req.body),
  );

  app.get(
    '/products/:id/inventory/movements',
    {
      schema: {
        operationId: 'listProductStockMovements',
        tags,
        summary: 'Stock movements of a product',
        description: MOVEMENT_FILTERS,
        params: IdParams,
        querystring: MovementsQuery,
        response: { 200: MovementPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'inventory:read' },
    },
    async (req) => service.listMovements(req.ctx, req.params.id, req.query),
  );
};
